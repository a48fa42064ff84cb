#!/usr/bin/python3
"""Autodiscover server: Microsoft Autodiscover v1 (POX) over HTTPS, for the test world.

usage: /usr/bin/python3 autodiscover.py ADDR PORT --cert FILE --key FILE --config FILE
                                         [--pidfile FILE]

Answers POST /autodiscover/autodiscover.xml (path case-insensitive, any query) for
every Host name.  The request body's <EMailAddress> selects the answer from the
JSON config file, by the address's domain:

  {"domains": {
     "ad.example":      {"settings": {"display": "AD Example",
                                      "protocols": [{"type": "IMAP", "server": "imap.ad.example",
                                                     "port": 993, "ssl": "on"}, ...]}},
     "adredir.example": {"redirectAddr": "bob@adtarget.example"},
     "adloop.example":  {"redirectUrl": "https://autodiscover.adloop.example/autodiscover/autodiscover.xml",
                         "loop": true}}}

* settings     -> <Action>settings</Action> with one <Protocol> per entry (LoginName is
                  the requested address unless the entry has "login"; "encryption"
                  gives <Encryption>, e.g. "TLS" for STARTTLS)
* redirectAddr -> <Action>redirectAddr</Action><RedirectAddr>...</RedirectAddr>
* redirectUrl  -> <Action>redirectUrl</Action><RedirectUrl>...</RedirectUrl>; with "loop"
                  the URL gets ?hop=N+1 (N from the request's own hop), so every
                  redirect names a new URL and the chain never ends
* unknown      -> HTTP 200 with the Autodiscover <Error> response (ErrorCode 500,
                  "The e-mail address cannot be found."), as Exchange does

GET/HEAD answer 405 (Allow: POST); other paths 404; bodies over 64 KiB 413.
Connections time out after 10 s; the TLS handshake runs in the connection's thread.
Each request is logged on stdout as one line: host, path, address, answer.
Exits cleanly on SIGTERM or SIGINT (removes its pid file).  Standard library only.
"""
import argparse
import json
import os
import re
import signal
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

MAX_BODY = 64 * 1024
TIMEOUT = 10.0
RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
EMAIL_RE = re.compile(rb"<(?:[A-Za-z0-9_]+:)?EMailAddress>\s*([^<\s]{1,320})\s*</(?:[A-Za-z0-9_]+:)?EMailAddress>")


def response_xml(inner: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Autodiscover xmlns="{RESPONSE_NS}">\n{inner}</Autodiscover>\n').encode()


def account_xml(address: str, account_inner: str, display: str = "") -> bytes:
    user = ""
    if display:
        user = (f"    <User>\n      <DisplayName>{escape(display)}</DisplayName>\n"
                f"      <AutoDiscoverSMTPAddress>{escape(address)}</AutoDiscoverSMTPAddress>\n"
                f"    </User>\n")
    return response_xml(f'  <Response xmlns="{OUTLOOK_NS}">\n{user}    <Account>\n'
                        f"      <AccountType>email</AccountType>\n{account_inner}"
                        f"    </Account>\n  </Response>\n")


def settings_xml(address: str, settings: dict) -> bytes:
    parts = ["      <Action>settings</Action>\n"]
    for p in settings.get("protocols", []):
        parts.append("      <Protocol>\n")
        parts.append(f"        <Type>{escape(p['type'])}</Type>\n")
        parts.append(f"        <Server>{escape(p['server'])}</Server>\n")
        parts.append(f"        <Port>{int(p['port'])}</Port>\n")
        parts.append("        <DomainRequired>off</DomainRequired>\n")
        parts.append(f"        <LoginName>{escape(p.get('login', address))}</LoginName>\n")
        parts.append("        <SPA>off</SPA>\n")
        if "ssl" in p:
            parts.append(f"        <SSL>{escape(p['ssl'])}</SSL>\n")
        if "encryption" in p:
            parts.append(f"        <Encryption>{escape(p['encryption'])}</Encryption>\n")
        parts.append("        <AuthRequired>on</AuthRequired>\n")
        parts.append("      </Protocol>\n")
    return account_xml(address, "".join(parts), settings.get("display", ""))


def error_xml() -> bytes:
    return response_xml("  <Response>\n"
                        '    <Error Time="00:00:00.0000000" Id="1">\n'
                        "      <ErrorCode>500</ErrorCode>\n"
                        "      <Message>The e-mail address cannot be found.</Message>\n"
                        "      <DebugData />\n"
                        "    </Error>\n"
                        "  </Response>\n")


class Handler(BaseHTTPRequestHandler):
    server_version = "pacc-world-autodiscover/1"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = TIMEOUT

    def setup(self):
        self.request.settimeout(TIMEOUT)
        self.request.do_handshake()  # errors end up in Server.handle_error (one log line)
        super().setup()

    def handle(self):
        try:
            super().handle()
        except (OSError, ssl.SSLError):
            pass

    def log_message(self, fmt, *args):  # silence the default stderr log
        pass

    def log_line(self, host, path, address, answer):
        with self.server.log_lock:
            print(f"{self.client_address[0]} host={host} path={path} address={address} -> {answer}",
                  flush=True)

    def send(self, code: int, body: bytes, ctype="text/xml; charset=utf-8", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def path_ok(self):
        return urlsplit(self.path).path.lower() == "/autodiscover/autodiscover.xml"

    def do_GET(self):
        host = self.headers.get("Host", "-")
        if not self.path_ok():
            self.log_line(host, self.path, "-", "404")
            return self.send(404, b"not found\n", "text/plain")
        self.log_line(host, self.path, "-", "405 (GET)")
        self.send(405, b"POST only\n", "text/plain", [("Allow", "POST")])

    do_HEAD = do_GET

    def do_POST(self):
        host = self.headers.get("Host", "-")
        if not self.path_ok():
            self.log_line(host, self.path, "-", "404")
            return self.send(404, b"not found\n", "text/plain")
        try:
            length = int(self.headers.get("Content-Length", "-1"))
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self.log_line(host, self.path, "-", "411")
            return self.send(411, b"Content-Length required\n", "text/plain")
        if length > MAX_BODY:
            self.close_connection = True
            self.log_line(host, self.path, "-", "413")
            return self.send(413, b"request too large\n", "text/plain")
        body = self.rfile.read(length)
        m = EMAIL_RE.search(body)
        address = m.group(1).decode("utf-8", "replace") if m else ""
        domain = address.rpartition("@")[2].lower() if "@" in address else ""
        entry = self.server.config.get("domains", {}).get(domain)
        if entry is None:
            self.log_line(host, self.path, address or "-", "error 500 (unknown address)")
            return self.send(200, error_xml())
        if "settings" in entry:
            self.log_line(host, self.path, address, "settings")
            return self.send(200, settings_xml(address, entry["settings"]))
        if "redirectAddr" in entry:
            self.log_line(host, self.path, address, f"redirectAddr {entry['redirectAddr']}")
            return self.send(200, account_xml(
                address, "      <Action>redirectAddr</Action>\n"
                         f"      <RedirectAddr>{escape(entry['redirectAddr'])}</RedirectAddr>\n"))
        if "redirectUrl" in entry:
            url = entry["redirectUrl"]
            if entry.get("loop"):
                try:
                    hop = int(parse_qs(urlsplit(self.path).query).get("hop", ["0"])[0])
                except ValueError:
                    hop = 0
                url = f"{url}?hop={hop + 1}"
            self.log_line(host, self.path, address, f"redirectUrl {url}")
            return self.send(200, account_xml(
                address, "      <Action>redirectUrl</Action>\n"
                         f"      <RedirectUrl>{escape(url)}</RedirectUrl>\n"))
        self.log_line(host, self.path, address, "error 500 (bad config entry)")
        return self.send(200, error_xml())


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        with self.log_lock:
            print(f"{client_address[0]} connection error: {e.__class__.__name__}: {e}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--pidfile")
    args = ap.parse_args()

    def on_signal(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        with open(args.config, encoding="utf-8") as f:
            config = json.load(f)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
    except (OSError, ValueError, ssl.SSLError) as e:
        print(f"autodiscover.py: {e}", file=sys.stderr)
        return 1
    try:
        srv = Server((args.addr, args.port), Handler, bind_and_activate=True)
    except OSError as e:
        print(f"autodiscover.py: cannot bind {args.addr}:{args.port}: {e}", file=sys.stderr)
        return 1
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    srv.config = config
    srv.log_lock = threading.Lock()

    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(args.pidfile + ".tmp", args.pidfile)
    print(f"autodiscover.py: listening on {args.addr}:{args.port} (TLS), "
          f"{len(config.get('domains', {}))} domains", flush=True)
    try:
        srv.serve_forever(poll_interval=0.5)
    finally:
        try:
            srv.socket.close()
        except OSError:
            pass
        if args.pidfile:
            try:
                with open(args.pidfile) as f:
                    if f.read().strip() == str(os.getpid()):
                        os.unlink(args.pidfile)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

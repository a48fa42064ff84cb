#!/usr/bin/python3
"""Loopback-only token introspection door of the test world's OAuth part.

usage: /usr/bin/python3 oauth_door.py ADDR PORT --glewlwyd https://IP:PORT
           [--glewlwyd-name NAME] --client-id ID --client-secret S [--scope introspect]
           [--cert FILE --key FILE] [--ca FILE] [--liar https://as.liar.example --liar-ip IP]
           [--basic-password PW] [--log FILE] [--pidfile FILE]

Dovecot 2.3's oauth2 passdb (introspection_mode = post) cannot authenticate itself to
Glewlwyd, which only introspects other clients' tokens for a caller presenting a Bearer
token with the "introspect" scope.  This door does it for Dovecot:

  POST /introspect   (form body token=...)  -> RFC 7662 answer.  Tokens starting with
                     "liar." (issued by tests/hostile/fake_as.py) are introspected at the
                     fake AS (--liar, connecting to --liar-ip, CA --ca); every other token
                     at Glewlwyd with "Authorization: Bearer <service token>".  The service
                     token (client_credentials of --client-id) is minted on demand and
                     renewed before it expires (and once more on a 401), so a world can
                     run for days.
  GET  /check        for nginx's auth_request: "Authorization: Bearer T" of the original
                     request is introspected; 200 if active (and, when the request header
                     X-Required-Scope is set, that scope is granted) with X-Pacc-User:
                     <username> and, with --basic-password, X-Pacc-Basic: "Basic
                     base64(user:pw)" for a backend that wants Basic (Radicale); 401 with
                     a WWW-Authenticate Bearer challenge (RFC 6750 error when a token was
                     sent), or 403 insufficient_scope.

With --cert/--key the door speaks HTTPS (the world's way: no plaintext hop may carry a test
secret, and Dovecot's introspection body contains "client_secret=").  https upstreams are
verified against --ca (Glewlwyd's certificate name: --glewlwyd-name).
Only peers in 127.0.0.0/8 are served.  One log line per request.  Exits on SIGTERM/SIGINT
(removes its pid file).  Standard library only.
"""
import argparse
import base64
import http.client
import http.server
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

REALM = "pacc test world"


class Upstreams:
    def __init__(self, args):
        self.args = args
        u = urllib.parse.urlsplit(args.glewlwyd)
        self.glw_tls = u.scheme == "https"
        self.glw_host, self.glw_port = u.hostname, u.port or (443 if self.glw_tls else 80)
        self.glw_name = args.glewlwyd_name or u.hostname
        self.lock = threading.Lock()
        self.svc_token = None
        self.svc_expiry = 0.0
        self.ctx = ssl.create_default_context(cafile=args.ca)
        if args.liar:
            lu = urllib.parse.urlsplit(args.liar)
            self.liar_host = lu.hostname

    def _glw(self, method, path, body, headers):
        c = http.client.HTTPConnection(self.glw_name, self.glw_port, timeout=10)
        raw = socket.create_connection((self.glw_host, self.glw_port), timeout=10)
        c.sock = (self.ctx.wrap_socket(raw, server_hostname=self.glw_name)
                  if self.glw_tls else raw)
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def service_token(self, renew=False):
        with self.lock:
            if not renew and self.svc_token and time.time() < self.svc_expiry - 60:
                return self.svc_token
            cred = base64.b64encode(
                f"{self.args.client_id}:{self.args.client_secret}".encode()).decode()
            body = urllib.parse.urlencode({"grant_type": "client_credentials",
                                           "scope": self.args.scope})
            st, data = self._glw("POST", "/api/oidc/token", body, {
                "Authorization": "Basic " + cred,
                "Content-Type": "application/x-www-form-urlencoded"})
            if st != 200:
                raise RuntimeError(f"service token: HTTP {st} {data[:200]!r}")
            d = json.loads(data)
            self.svc_token = d["access_token"]
            self.svc_expiry = time.time() + int(d.get("expires_in", 3600))
            return self.svc_token

    def introspect(self, token):
        """-> (status, body bytes) of the RFC 7662 introspection of token."""
        body = urllib.parse.urlencode({"token": token})
        if token.startswith("liar.") and self.args.liar:
            # the fake AS's issuer path is inside the token: liar.<mode>.<random>
            mode = token.split(".")[1] if token.count(".") >= 2 else "good"
            # connect to the address, SNI and certificate check against the AS's name
            c = http.client.HTTPConnection(self.liar_host, 443, timeout=10)
            raw = socket.create_connection((self.args.liar_ip, 443), timeout=10)
            c.sock = self.ctx.wrap_socket(raw, server_hostname=self.liar_host)
            try:
                c.request("POST", f"/{mode}/introspect", body=body, headers={
                    "Host": self.liar_host,
                    "Content-Type": "application/x-www-form-urlencoded"})
                r = c.getresponse()
                return r.status, r.read()
            finally:
                c.close()
        for attempt in (0, 1):
            tok = self.service_token(renew=attempt == 1)
            st, data = self._glw("POST", "/api/oidc/introspect", body, {
                "Authorization": "Bearer " + tok,
                "Content-Type": "application/x-www-form-urlencoded"})
            if st != 401:
                return st, data
        return st, data


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "pacc-oauth-door"
    protocol_version = "HTTP/1.1"
    timeout = 10

    def setup(self):
        self.request.settimeout(10)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # in the connection's thread, not in accept
        super().setup()

    def handle(self):
        try:
            super().handle()
        except (OSError, ssl.SSLError):
            pass

    def log_message(self, fmt, *a):
        self.server.log(f"{self.client_address[0]} {fmt % a}")

    def send(self, status, body=b"", ctype="application/json", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def allowed(self):
        if not self.client_address[0].startswith("127."):
            self.send(403)
            return False
        return True

    def do_POST(self):
        if not self.allowed():
            return
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(n, 65536)) if n > 0 else b""
        if self.path.split("?")[0] != "/introspect":
            self.send(404)
            return
        token = urllib.parse.parse_qs(raw.decode("utf-8", "replace")).get("token", [""])[0]
        try:
            st, data = self.server.up.introspect(token)
        except Exception as e:  # noqa: BLE001 - report any upstream failure as 502
            self.server.log(f"introspect failed: {e}")
            self.send(502, json.dumps({"error": str(e)}).encode())
            return
        self.server.log(f"introspect {token[:12]}... -> {st} {data[:160]!r}")
        self.send(st, data)

    def do_GET(self):
        if not self.allowed():
            return
        if self.path.split("?")[0] != "/check":
            self.send(404)
            return
        auth = self.headers.get("Authorization", "")
        want = self.headers.get("X-Required-Scope", "")
        chal = f'Bearer realm="{REALM}"'
        if want:
            chal += f', scope="{want}"'
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            self.send(401, headers=[("WWW-Authenticate", chal)])
            return
        try:
            st, data = self.server.up.introspect(auth[7:].strip())
            d = json.loads(data) if st == 200 else {}
        except Exception as e:  # noqa: BLE001
            self.server.log(f"check failed: {e}")
            self.send(500)
            return
        if not d.get("active"):
            self.send(401, headers=[("WWW-Authenticate", chal + ', error="invalid_token"')])
            return
        if want and want not in str(d.get("scope", "")).split():
            self.send(403, headers=[("WWW-Authenticate", chal + ', error="insufficient_scope"')])
            return
        user = str(d.get("username", ""))
        hdrs = [("X-Pacc-User", user)]
        if self.server.args.basic_password:
            b = base64.b64encode(f"{user}:{self.server.args.basic_password}".encode()).decode()
            hdrs.append(("X-Pacc-Basic", "Basic " + b))
        self.server.log(f"check ok user={user} scope={d.get('scope')!r}")
        self.send(200, headers=hdrs)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        self.log(f"{client_address[0]} connection error: {e.__class__.__name__}: {e}")

    def log(self, msg):
        line = time.strftime("%Y-%m-%dT%H:%M:%S ") + msg + "\n"
        with self.log_lock:
            self.logf.write(line)
            self.logf.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--glewlwyd", required=True)
    ap.add_argument("--glewlwyd-name")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--scope", default="introspect")
    ap.add_argument("--liar")
    ap.add_argument("--liar-ip")
    ap.add_argument("--ca")
    ap.add_argument("--basic-password")
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    if args.liar and not args.liar_ip:
        ap.error("--liar needs --liar-ip")
    if bool(args.cert) != bool(args.key):
        ap.error("--cert and --key go together")

    srv = Server((args.addr, args.port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    srv.args = args
    srv.up = Upstreams(args)
    srv.log_lock = threading.Lock()
    srv.logf = open(args.log, "a", encoding="utf-8") if args.log else sys.stderr

    def on_signal(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(args.pidfile + ".tmp", args.pidfile)
    srv.log(f"listening on {args.addr}:{args.port}")
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Fake mail servers, well-behaved and hostile, for the probe unit tests.

usage: /usr/bin/python3 fake_mail.py --certdir DIR [--make-certs]
                                     [--addr 127.0.0.1] [--only a,b]

--make-certs creates, with the openssl command, a throw-away CA and server
certificates in DIR (nothing is committed): ca.pem (the CA to trust),
good.pem (SAN DNS:mail.fake.example, IP:127.0.0.1), wrong.pem (SAN
DNS:other.fake.example), cnonly.pem (CN=mail.fake.example, no SAN).

Then every scenario listens on ADDR, on a port of the kernel's choosing,
and one line per scenario is printed: "NAME PORT"; then "READY".  Commands
received are appended to DIR/NAME.log, one per line, so that a test can
check that nothing but the expected commands was sent (e.g. no command
after STARTTLS was found missing).  Exits on SIGTERM/SIGINT.  Standard
library only.

A small DNS responder (UDP) is printed as "dns PORT": mail.fake.example has
AAAA ::1 (where nothing listens: the client must go on to the next address)
and A 127.0.0.1; v4.fake.example has A 127.0.0.1 only; the root has a
DNSKEY that validates nothing (a resolver pointed here must notice that it
does not carry DNSSEC); every other name is NXDOMAIN.

Scenarios (the client name to verify is mail.fake.example):
  imaps_ok          IMAP, implicit TLS, CAPABILITY in the greeting
  imap_starttls     IMAP, STARTTLS; LOGINDISABLED only before TLS
  imap_nostarttls   IMAP without STARTTLS (stripping)
  imap_inject       sends "* CAPABILITY ..." right after "OK Begin TLS",
                    in the same segment (CVE-2011-0411 class)
  imap_inject_late  same, 200 ms later, while the client is in TLS
  imap_endless      a greeting line that never ends
  imap_bye          "* BYE" greeting
  imap_flood        CAPABILITY answered with endless short untagged lines
  imap_drip         a greeting sent one byte every 50 ms, forever
  imap_nul          a greeting holding a NUL byte
  stall             accepts, never sends a byte
  wrongname         implicit TLS, certificate for other.fake.example
  cnonly            implicit TLS, name only in the subject CN
  tls10             implicit TLS 1.0 only
  smtps_ok          SMTP, implicit TLS, multi-line greeting, AUTH lines
  smtp_starttls     SMTP, STARTTLS; AUTH only after TLS
  pop3s_ok          POP3, implicit TLS, CAPA with SASL
  pop3_stls         POP3, STLS
  sieve_starttls    ManageSieve, STARTTLS; capabilities re-sent after TLS
"""
import argparse
import os
import selectors
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import warnings

# TLS 1.0 is offered on purpose (the "tls10" scenario)
warnings.filterwarnings("ignore", category=DeprecationWarning)
MAX_LINE = 65536
IO_TIMEOUT = 10.0


def make_certs(d):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=pacc test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    leaves = {
        "good": ("/CN=mail.fake.example",
                 "subjectAltName=DNS:mail.fake.example,IP:127.0.0.1"),
        "wrong": ("/CN=other.fake.example",
                  "subjectAltName=DNS:other.fake.example"),
        "cnonly": ("/CN=mail.fake.example", None),
    }
    for name, (subj, san) in leaves.items():
        run("req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", subj)
        ext = "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        if san:
            ext += san + "\n"
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext)
        run("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
            "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-out", name + ".pem", "-extfile", name + ".ext")


_ctx_cache = {}
_ctx_lock = threading.Lock()


def server_ctx(d, leaf="good", tls10=False):
    with _ctx_lock:
        key = (d, leaf, tls10)
        if key not in _ctx_cache:
            _ctx_cache[key] = _new_server_ctx(d, leaf, tls10)
        return _ctx_cache[key]


def _new_server_ctx(d, leaf, tls10):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if tls10:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1
    ctx.load_cert_chain(os.path.join(d, leaf + ".pem"),
                        os.path.join(d, leaf + ".key"))
    return ctx


class Peer:
    """One client connection: line reading, writing, TLS upgrade."""

    def __init__(self, sock, log):
        self.sock = sock
        self.buf = b""
        self.log = log

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                return None
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\n", 1)
        text = raw.rstrip(b"\r").decode("utf-8", "replace")
        self.log(text)
        return text

    def tls(self, ctx):
        # whatever the client pipelined in plaintext is dropped (RFC 3207)
        self.buf = b""
        self.sock = ctx.wrap_socket(self.sock, server_side=True)


def imap_session(p, caps_plain, caps_tls, ctx, starttls_reply=None,
                 late=None):
    in_tls = False
    while True:
        line = p.line()
        if line is None:
            return
        parts = line.split(" ", 2)
        tag = parts[0]
        cmd = parts[1].upper() if len(parts) > 1 else ""
        if cmd == "CAPABILITY":
            caps = caps_tls if in_tls else caps_plain
            p.send(f"* CAPABILITY {caps}\r\n{tag} OK CAPABILITY done\r\n")
        elif cmd == "NOOP":
            p.send(f"{tag} OK NOOP done\r\n")
        elif cmd == "LOGOUT":
            p.send(f"* BYE logging out\r\n{tag} OK LOGOUT done\r\n")
            return
        elif cmd == "STARTTLS" and not in_tls and "STARTTLS" in caps_plain:
            p.send((starttls_reply or "{tag} OK Begin TLS now\r\n")
                   .format(tag=tag))
            if late:
                time.sleep(0.2)
                p.send(late)
            p.tls(ctx)
            in_tls = True
        else:
            p.send(f"{tag} BAD unknown command\r\n")


def smtp_session(p, ehlo_plain, ehlo_tls, ctx):
    in_tls = False
    while True:
        line = p.line()
        if line is None:
            return
        cmd = line.split(" ", 1)[0].upper()
        if cmd == "EHLO":
            lines = ["mail.fake.example hello"] + (ehlo_tls if in_tls
                                                   else ehlo_plain)
            out = "".join(f"250-{x}\r\n" for x in lines[:-1])
            p.send(out + f"250 {lines[-1]}\r\n")
        elif cmd == "STARTTLS" and not in_tls and "STARTTLS" in ehlo_plain:
            p.send("220 2.0.0 go ahead\r\n")
            p.tls(ctx)
            in_tls = True
        elif cmd == "QUIT":
            p.send("221 2.0.0 bye\r\n")
            return
        else:
            p.send("502 5.5.2 unknown command\r\n")


def pop3_session(p, capa_plain, capa_tls, ctx):
    in_tls = False
    while True:
        line = p.line()
        if line is None:
            return
        cmd = line.split(" ", 1)[0].upper()
        if cmd == "CAPA":
            caps = capa_tls if in_tls else capa_plain
            p.send("+OK capability list follows\r\n" +
                   "".join(f"{x}\r\n" for x in caps) + ".\r\n")
        elif cmd == "STLS" and not in_tls and "STLS" in capa_plain:
            p.send("+OK begin TLS negotiation\r\n")
            p.tls(ctx)
            in_tls = True
        elif cmd == "QUIT":
            p.send("+OK bye\r\n")
            return
        else:
            p.send("-ERR unknown command\r\n")


def sieve_caps(sasl, starttls):
    out = ('"IMPLEMENTATION" "Fake Sieve"\r\n'
           f'"SASL" "{sasl}"\r\n'
           '"SIEVE" "fileinto reject envelope"\r\n')
    if starttls:
        out += '"STARTTLS"\r\n'
    return out + '"VERSION" "1.0"\r\n'


def sieve_session(p, ctx):
    in_tls = False
    while True:
        line = p.line()
        if line is None:
            return
        cmd = line.split(" ", 1)[0].upper().strip('"')
        if cmd == "STARTTLS" and not in_tls:
            p.send('OK "begin TLS"\r\n')
            p.tls(ctx)
            in_tls = True
            # RFC 5804 §2.2: capabilities again, then OK
            p.send(sieve_caps("PLAIN OAUTHBEARER", False) + 'OK "TLS up"\r\n')
        elif cmd == "CAPABILITY":
            p.send(sieve_caps("PLAIN OAUTHBEARER" if in_tls else "", not in_tls)
                   + 'OK "done"\r\n')
        elif cmd == "LOGOUT":
            p.send('OK "bye"\r\n')
            return
        else:
            p.send('NO "unknown command"\r\n')


def handle(name, sock, d, log):
    sock.settimeout(IO_TIMEOUT)
    p = Peer(sock, log)
    good = lambda: server_ctx(d)
    imap_tls = "IMAP4rev1 AUTH=PLAIN AUTH=SCRAM-SHA-256"
    if name == "imaps_ok":
        p.tls(good())
        caps = "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR ID"
        p.send(f"* OK [CAPABILITY {caps}] fake ready\r\n")
        imap_session(p, caps, caps, None)
    elif name == "imap_starttls":
        p.send("* OK fake ready\r\n")
        imap_session(p, "IMAP4rev1 STARTTLS LOGINDISABLED", imap_tls, good())
    elif name == "imap_nostarttls":
        p.send("* OK fake ready\r\n")
        imap_session(p, "IMAP4rev1 AUTH=PLAIN LOGIN-REFERRALS", imap_tls,
                     None)
    elif name == "imap_inject":
        p.send("* OK fake ready\r\n")
        imap_session(p, "IMAP4rev1 STARTTLS", imap_tls, good(),
                     starttls_reply="{tag} OK Begin TLS now\r\n"
                                    "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
    elif name == "imap_inject_late":
        p.send("* OK fake ready\r\n")
        imap_session(p, "IMAP4rev1 STARTTLS", imap_tls, good(),
                     late=b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
    elif name == "imap_endless":
        p.send("* OK ")
        sent = 0
        while sent < 64 * 1024 * 1024:
            p.send(b"A" * 4096)
            sent += 4096
    elif name == "imap_bye":
        p.send("* BYE too busy, go away\r\n")
    elif name == "imap_flood":
        p.send("* OK fake ready\r\n")
        p.line()
        chunk = b"* OK [ALERT] flood\r\n" * 200
        for _ in range(100000):
            p.send(chunk)
    elif name == "imap_drip":
        for _ in range(6000):
            p.send(b"*")
            time.sleep(0.05)
    elif name == "imap_nul":
        p.send(b"* OK fake\x00ready\r\n")
        p.line()
    elif name == "stall":
        while sock.recv(4096):
            pass
    elif name in ("wrongname", "cnonly"):
        p.tls(server_ctx(d, "wrong" if name == "wrongname" else "cnonly"))
        p.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
        imap_session(p, "IMAP4rev1", "IMAP4rev1", None)
    elif name == "tls10":
        p.tls(server_ctx(d, tls10=True))
        p.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
        imap_session(p, "IMAP4rev1", "IMAP4rev1", None)
    elif name == "smtps_ok":
        p.tls(good())
        p.send("220-mail.fake.example ESMTP fake\r\n220 ready\r\n")
        ehlo = ["PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN XOAUTH2",
                "AUTH=PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME"]
        smtp_session(p, ehlo, ehlo, None)
    elif name == "smtp_starttls":
        p.send("220 mail.fake.example ESMTP fake\r\n")
        smtp_session(p, ["PIPELINING", "STARTTLS", "8BITMIME"],
                     ["PIPELINING", "AUTH PLAIN", "8BITMIME"], good())
    elif name == "pop3s_ok":
        p.tls(good())
        p.send("+OK fake POP3 ready\r\n")
        caps = ["USER", "SASL PLAIN XOAUTH2", "TOP", "UIDL"]
        pop3_session(p, caps, caps, None)
    elif name == "pop3_stls":
        p.send("+OK fake POP3 ready\r\n")
        pop3_session(p, ["USER", "STLS"], ["USER", "SASL PLAIN"], good())
    elif name == "sieve_starttls":
        p.send(sieve_caps("", True) + 'OK "fake sieve ready"\r\n')
        sieve_session(p, good())


SCENARIOS = ["imaps_ok", "imap_starttls", "imap_nostarttls", "imap_inject",
             "imap_inject_late", "imap_endless", "imap_bye", "imap_flood",
             "imap_drip", "imap_nul", "stall",
             "wrongname", "cnonly", "tls10", "smtps_ok", "smtp_starttls",
             "pop3s_ok", "pop3_stls", "sieve_starttls"]


# not under test. : resolvers answer RFC 6761 names themselves
DNS_ZONE = {
    ("mail.fake.example", 1): [socket.inet_aton("127.0.0.1")],
    ("mail.fake.example", 28): [socket.inet_pton(socket.AF_INET6, "::1")],
    ("v4.fake.example", 1): [socket.inet_aton("127.0.0.1")],
    ("", 48): [b"\x01\x01\x03\x08" + b"\x03" + b"\x00" * 63],
}
DNS_NAMES = {name for name, _ in DNS_ZONE}


def dns_answer(q):
    """One answer to one query; None for anything malformed."""
    if len(q) < 12 or q[2] & 0x80:
        return None
    if struct.unpack(">H", q[4:6])[0] != 1:
        return None
    i, labels = 12, []
    while True:
        if i >= len(q) or q[i] > 63:
            return None
        n = q[i]
        i += 1
        if n == 0:
            break
        labels.append(q[i:i + n].decode("ascii", "replace").lower())
        i += n
    if i + 4 > len(q):
        return None
    qtype = struct.unpack(">H", q[i:i + 2])[0]
    name = ".".join(labels)
    rdatas = DNS_ZONE.get((name, qtype), [])
    rcode = 0 if name in DNS_NAMES else 3
    flags = 0x8000 | 0x0080 | (q[2] << 8 & 0x0100) | rcode
    out = q[:2] + struct.pack(">HHHHH", flags, 1, len(rdatas), 0, 0)
    out += q[12:i + 4]
    for rd in rdatas:
        out += b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60, len(rd)) + rd
    return out


def serve_one(name, sock, d):
    lock = threading.Lock()

    def log(text):
        with lock, open(os.path.join(d, name + ".log"), "a") as f:
            f.write(text[:200] + "\n")

    try:
        handle(name, sock, d, log)
    except (OSError, ssl.SSLError, ValueError):
        pass  # hostile by design; the client hanging up is normal
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--certdir", required=True)
    ap.add_argument("--make-certs", action="store_true")
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--only")
    args = ap.parse_args()

    def on_signal(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.make_certs:
        make_certs(args.certdir)
    names = args.only.split(",") if args.only else SCENARIOS
    sel = selectors.DefaultSelector()
    for name in names:
        if name not in SCENARIOS:
            print(f"fake_mail.py: unknown scenario {name}", file=sys.stderr)
            return 2
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.addr, 0))
        s.listen(16)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, name)
        print(f"{name} {s.getsockname()[1]}")
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind((args.addr, 0))
    dns.setblocking(False)
    sel.register(dns, selectors.EVENT_READ, None)
    print(f"dns {dns.getsockname()[1]}")
    print("READY", flush=True)
    while True:
        for key, _ in sel.select():
            if key.fileobj is dns:
                try:
                    q, peer = dns.recvfrom(4096)
                except BlockingIOError:
                    continue
                a = dns_answer(q)
                if os.environ.get("FAKE_DNS_DEBUG"):
                    print("dns", q.hex(), a and a.hex(), file=sys.stderr)
                if a:
                    dns.sendto(a, peer)
                continue
            try:
                conn, _ = key.fileobj.accept()
            except BlockingIOError:
                continue
            conn.setblocking(True)
            # as real servers do; else Nagle + delayed ACK add 40 ms
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=serve_one,
                             args=(key.data, conn, args.certdir),
                             daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())

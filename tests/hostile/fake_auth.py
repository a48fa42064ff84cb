#!/usr/bin/python3
"""Mail and HTTPS servers that answer logins with chosen responses, and
servers that must never receive a password -- for `pacc login` tests.

usage: /usr/bin/python3 fake_auth.py --certdir DIR [--make-certs]
                                     [--addr 127.0.0.1] [--only a,b]

--make-certs creates, with the openssl command, a throw-away CA and two
server certificates in DIR (nothing is committed): ca.pem (the CA to
trust), good.pem (SAN IP:127.0.0.1, DNS:auth.fake.example) and wrong.pem
(SAN DNS:other.fake.example only).  Clients connect to the address
literal 127.0.0.1, so no DNS is involved.

Every scenario listens on ADDR, on a port of the kernel's choosing; one
line per scenario is printed, "NAME PORT", then "READY".  Exits on
SIGTERM/SIGINT.  Standard library only.

What each connection received is recorded, so that a test can prove what
never arrived: DIR/NAME.raw gets every byte read before TLS (plaintext),
DIR/NAME.tls every byte read inside TLS (decrypted), DIR/NAME.log one line
per event ("connect", "tls-ok", "tls-failed: ...", "auth USER", "login
USER").

The "codes" servers pick their answer by the local part of the user name
they are given (SASL PLAIN, the IMAP LOGIN command, HTTP Basic), so one
server serves every row of a classification table:

  imaps_codes    IMAP, implicit TLS, SASL-IR AUTH=PLAIN; users: ok,
                 authenticationfailed, authorizationfailed, expired,
                 contactadmin, privacyrequired, cannot, unavailable,
                 serverbug, limit, nocode, alert, bad, bye
  imaps_noir     the same without SASL-IR (initial response after "+ ")
  imaps_loginonly  no AUTH= at all: the IMAP LOGIN command (quoted or
                 literal); users as imaps_codes
  imaps_logindisabled  LOGINDISABLED and no AUTH=: nothing usable
  imaps_fail_scram  AUTH=SCRAM-SHA-256 AUTH=PLAIN: every SCRAM attempt
                 gets "BAD", PLAIN then answers by user (advertised but
                 failing mechanism, next one works)
  imaps_fail_all AUTH=PLAIN advertised, every AUTHENTICATE gets "BAD"
  smtps_codes    SMTP, implicit TLS, AUTH PLAIN; users: ok, r535, r454,
                 r534, r530, r538, r504, r501, r432, r535x13, r421, r550
  pop3s_codes    POP3, implicit TLS, SASL PLAIN; users: ok, auth, systemp,
                 sysperm, inuse, logindelay, nocode
  sieve_codes    ManageSieve, STARTTLS, SASL "PLAIN"; users: ok, no,
                 authtooweak, encryptneeded, transitionneeded, trylater,
                 bye
  https_codes    HTTPS; path /status/NNN answers NNN once an Authorization
                 header is present (401 with a Basic challenge; 4011 = 401
                 with only a Bearer challenge), 207 for PROPFIND on
                 /status/207; /redirect-same -> /status/200 (same origin);
                 /redirect-other -> https://other.fake.example/ ; without
                 credentials every path answers 401 Basic

Servers that must never get a password (the tests assert on the records):

  imap_plain     IMAP without STARTTLS, AUTH=PLAIN offered in plaintext
  smtp_plain     SMTP without STARTTLS, AUTH PLAIN LOGIN in plaintext
  pop3_plain     POP3 without STLS, SASL PLAIN and USER in plaintext
  sieve_plain    ManageSieve without STARTTLS, SASL "PLAIN"
  imap_inject    STARTTLS accepted, and a tagged OK with capabilities
                 injected in the same segment (CVE-2011-0411 class)
  imaps_wrongcert  implicit TLS with the wrong.pem certificate
  imap_starttls_wrongcert  STARTTLS, then the wrong.pem certificate
  https_wrongcert  HTTPS with the wrong.pem certificate
  imaps_stall    accepts, never completes (or answers) the TLS handshake
  imap_endless   a greeting line that never ends
  imap_drip      a greeting sent one byte every 50 ms, forever
"""
import argparse
import base64
import os
import selectors
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

IO_TIMEOUT = 10.0
MAX_LINE = 65536


def make_certs(d):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=pacc login test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    leaves = {
        "good": ("/CN=auth.fake.example",
                 "subjectAltName=IP:127.0.0.1,DNS:auth.fake.example"),
        "wrong": ("/CN=other.fake.example",
                  "subjectAltName=DNS:other.fake.example"),
    }
    for name, (subj, san) in leaves.items():
        run("req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
            "-subj", subj)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n" + san + "\n")
        run("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
            "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-out", name + ".pem", "-extfile", name + ".ext")


_ctx = {}
_ctx_lock = threading.Lock()


def server_ctx(d, leaf="good"):
    with _ctx_lock:
        if (d, leaf) not in _ctx:
            c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            c.minimum_version = ssl.TLSVersion.TLSv1_2
            c.load_cert_chain(os.path.join(d, leaf + ".pem"),
                              os.path.join(d, leaf + ".key"))
            _ctx[(d, leaf)] = c
        return _ctx[(d, leaf)]


class Recorder:
    """Appends what a scenario received to its files (thread-safe)."""

    def __init__(self, d, name):
        self.base = os.path.join(d, name)
        self.lock = threading.Lock()

    def _append(self, ext, data):
        with self.lock, open(self.base + ext, "ab") as f:
            f.write(data)

    def raw(self, data):
        self._append(".raw", data)

    def tls(self, data):
        self._append(".tls", data)

    def event(self, text):
        self._append(".log", (text + "\n").encode())


class Peer:
    """One connection: recorded reads, line and literal reading, TLS."""

    def __init__(self, sock, rec):
        self.sock = sock
        self.rec = rec
        self.buf = b""
        self.in_tls = False

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(4096)
        if not chunk:
            return False
        (self.rec.tls if self.in_tls else self.rec.raw)(chunk)
        self.buf += chunk
        return True

    def line(self):
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE or not self._fill():
                return None
        raw, self.buf = self.buf.split(b"\n", 1)
        return raw.rstrip(b"\r").decode("utf-8", "replace")

    def exactly(self, n):
        while len(self.buf) < n:
            if not self._fill():
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def tls(self, ctx):
        # RFC 3207 §4.2: whatever was pipelined before TLS is dropped
        self.buf = b""
        try:
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.rec.event("tls-failed: %s" % e)
            raise
        self.in_tls = True
        self.rec.event("tls-ok")


def plain_user(b64):
    """authcid of a SASL PLAIN message (RFC 4616), or None."""
    try:
        parts = base64.b64decode(b64, validate=True).split(b"\0")
    except ValueError:
        return None
    if len(parts) != 3:
        return None
    return parts[1].decode("utf-8", "replace")


def local(user):
    return (user or "").split("@", 1)[0].lower()


IMAP_REPLY = {
    "ok": "{tag} OK [CAPABILITY IMAP4rev1] Logged in",
    "authenticationfailed":
        "{tag} NO [AUTHENTICATIONFAILED] Authentication failed.",
    "authorizationfailed":
        "{tag} NO [AUTHORIZATIONFAILED] Not authorized for this mailbox",
    "expired": "{tag} NO [EXPIRED] Password expired",
    "contactadmin": "{tag} NO [CONTACTADMIN] Call the help desk",
    "privacyrequired": "{tag} NO [PRIVACYREQUIRED] Not without privacy",
    "cannot": "{tag} NO [CANNOT] That cannot work here",
    "unavailable": "{tag} NO [UNAVAILABLE] Try again later",
    "serverbug": "{tag} NO [SERVERBUG] Oops",
    "limit": "{tag} NO [LIMIT] Too many sessions",
    "nocode": "{tag} NO Login failed",
    "alert": "{tag} NO [ALERT] Login failed",
    "bad": "{tag} BAD Mechanism unusable",
}


def imap_reply(p, tag, user):
    key = local(user)
    if key == "bye":
        p.send("* BYE Server shutting down\r\n")
        return False
    p.send(IMAP_REPLY.get(key, IMAP_REPLY["nocode"]).format(tag=tag)
           + "\r\n")
    return True


def imap_args(p, rest):
    """Arguments of an IMAP command line: atoms, quoted strings and
    synchronizing literals (RFC 9051 §4.3), reading more as needed."""
    args = []
    while True:
        i = 0
        while i < len(rest):
            c = rest[i]
            if c == " ":
                i += 1
            elif c == '"':
                j, s = i + 1, ""
                while j < len(rest) and rest[j] != '"':
                    if rest[j] == "\\" and j + 1 < len(rest):
                        j += 1
                    s += rest[j]
                    j += 1
                args.append(s)
                i = j + 1
            elif c == "{" and rest.endswith("}"):
                n = int(rest[i + 1:-1].rstrip("+"))
                p.send("+ go ahead\r\n")
                data = p.exactly(n)
                if data is None:
                    return None
                args.append(data.decode("utf-8", "replace"))
                rest = p.line()
                if rest is None:
                    return None
                break
            else:
                j = rest.find(" ", i)
                j = len(rest) if j < 0 else j
                args.append(rest[i:j])
                i = j
        else:
            return args


def imap_session(p, caps, mode, starttls_ctx=None, inject=False):
    in_tls = mode == "implicit"
    while True:
        line = p.line()
        if line is None:
            return
        parts = line.split(" ", 2)
        tag = parts[0]
        cmd = parts[1].upper() if len(parts) > 1 else ""
        rest = parts[2] if len(parts) > 2 else ""
        if cmd == "CAPABILITY":
            c = caps(in_tls)
            p.send(f"* CAPABILITY {c}\r\n{tag} OK done\r\n")
        elif cmd == "LOGOUT":
            p.send(f"* BYE bye\r\n{tag} OK done\r\n")
            return
        elif cmd == "NOOP":
            p.send(f"{tag} OK done\r\n")
        elif cmd == "STARTTLS" and starttls_ctx and not in_tls:
            reply = f"{tag} OK Begin TLS now\r\n"
            if inject:
                # the injected answer to the client's next command
                reply += "P3 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"
            p.send(reply)
            p.tls(starttls_ctx)
            in_tls = True
        elif cmd == "AUTHENTICATE":
            a = rest.split(" ")
            mech = a[0].upper()
            p.rec.event("authenticate %s" % mech)
            if mode == "fail_all" or (mode == "fail_scram"
                                      and mech.startswith("SCRAM")):
                p.send(f"{tag} BAD [CANNOT] {mech} does not work here\r\n")
                continue
            if mech != "PLAIN" or "AUTH=PLAIN" not in caps(in_tls):
                p.send(f"{tag} NO [CANNOT] unsupported mechanism\r\n")
                continue
            if len(a) > 1:
                ir = a[1]
            else:
                p.send("+ \r\n")
                ir = p.line()
                if ir is None:
                    return
            if ir == "*":
                p.send(f"{tag} BAD cancelled\r\n")
                continue
            user = plain_user(ir)
            p.rec.event("auth %s" % user)
            if not imap_reply(p, tag, user):
                return
        elif cmd == "LOGIN":
            args = imap_args(p, rest)
            if args is None:
                return
            if "LOGINDISABLED" in caps(in_tls):
                p.send(f"{tag} NO [PRIVACYREQUIRED] LOGIN disabled\r\n")
                continue
            user = args[0] if args else ""
            p.rec.event("login %s %s" % (user, len(args)))
            if not imap_reply(p, tag, user):
                return
        else:
            p.send(f"{tag} BAD unknown command\r\n")


SMTP_REPLY = {
    "ok": "235 2.7.0 Authentication successful",
    "r535": "535 5.7.8 Authentication credentials invalid",
    "r454": "454 4.7.0 Temporary authentication failure",
    "r534": "534 5.7.9 Authentication mechanism is too weak",
    "r530": "530 5.7.0 Authentication required",
    "r538": "538 5.7.11 Encryption required for requested authentication "
            "mechanism",
    "r504": "504 5.5.4 Unrecognized authentication type",
    "r501": "501 5.5.2 Cannot decode response",
    "r432": "432 4.7.12 A password transition is needed",
    "r535x13": "535 5.7.13 User account disabled",
    "r421": "421 4.3.0 Shutting down",
    "r550": "550 5.7.1 Go away",
}


def smtp_session(p, ehlo):
    while True:
        line = p.line()
        if line is None:
            return
        words = line.split(" ")
        cmd = words[0].upper()
        if cmd == "EHLO":
            lines = ["auth.fake.example hello"] + ehlo
            p.send("".join(f"250-{x}\r\n" for x in lines[:-1])
                   + f"250 {lines[-1]}\r\n")
        elif cmd == "AUTH":
            mech = words[1].upper() if len(words) > 1 else ""
            p.rec.event("authenticate %s" % mech)
            if mech != "PLAIN" or not any("PLAIN" in x for x in ehlo):
                p.send("504 5.5.4 Unrecognized authentication type\r\n")
                continue
            if len(words) > 2:
                ir = words[2]
            else:
                p.send("334 \r\n")
                ir = p.line()
                if ir is None:
                    return
            user = plain_user(ir)
            p.rec.event("auth %s" % user)
            reply = SMTP_REPLY.get(local(user), SMTP_REPLY["r535"])
            p.send(reply + "\r\n")
            if reply.startswith("421"):
                return
        elif cmd == "QUIT":
            p.send("221 2.0.0 bye\r\n")
            return
        else:
            p.send("502 5.5.2 unknown command\r\n")


POP3_REPLY = {
    "ok": "+OK Logged in.",
    "auth": "-ERR [AUTH] Authentication failed.",
    "systemp": "-ERR [SYS/TEMP] Try again later.",
    "sysperm": "-ERR [SYS/PERM] Mail system is broken.",
    "inuse": "-ERR [IN-USE] Mailbox is locked by another session.",
    "logindelay": "-ERR [LOGIN-DELAY] Wait a while.",
    "nocode": "-ERR Authentication failed.",
}


def pop3_session(p, capa):
    while True:
        line = p.line()
        if line is None:
            return
        words = line.split(" ")
        cmd = words[0].upper()
        if cmd == "CAPA":
            p.send("+OK capabilities\r\n" + "".join(f"{x}\r\n" for x in capa)
                   + ".\r\n")
        elif cmd == "AUTH":
            mech = words[1].upper() if len(words) > 1 else ""
            p.rec.event("authenticate %s" % mech)
            if mech != "PLAIN":
                p.send("-ERR unsupported mechanism\r\n")
                continue
            if len(words) > 2:
                ir = words[2]
            else:
                p.send("+ \r\n")
                ir = p.line()
                if ir is None:
                    return
            user = plain_user(ir)
            p.rec.event("auth %s" % user)
            p.send(POP3_REPLY.get(local(user), POP3_REPLY["nocode"])
                   + "\r\n")
        elif cmd in ("USER", "PASS"):
            p.rec.event("userpass")
            p.send("-ERR not here\r\n")
        elif cmd == "QUIT":
            p.send("+OK bye\r\n")
            return
        else:
            p.send("-ERR unknown command\r\n")


SIEVE_REPLY = {
    "ok": 'OK "Logged in."',
    "no": 'NO "Authentication failed."',
    "authtooweak": 'NO (AUTH-TOO-WEAK) "Mechanism too weak"',
    "encryptneeded": 'NO (ENCRYPT-NEEDED) "Encryption needed"',
    "transitionneeded": 'NO (TRANSITION-NEEDED) "Change your password"',
    "trylater": 'NO (TRYLATER) "Try later"',
    "bye": 'BYE "Going away"',
}


def sieve_caps(sasl, starttls):
    out = ('"IMPLEMENTATION" "Fake Sieve"\r\n'
           f'"SASL" "{sasl}"\r\n'
           '"SIEVE" "fileinto"\r\n')
    if starttls:
        out += '"STARTTLS"\r\n'
    return out + '"VERSION" "1.0"\r\n'


def sieve_session(p, ctx):
    in_tls = False
    while True:
        line = p.line()
        if line is None:
            return
        words = line.split(" ")
        cmd = words[0].upper().strip('"')
        if cmd == "STARTTLS" and ctx and not in_tls:
            p.send('OK "begin TLS"\r\n')
            p.tls(ctx)
            in_tls = True
            p.send(sieve_caps("PLAIN", False) + 'OK "TLS up"\r\n')
        elif cmd == "CAPABILITY":
            p.send(sieve_caps("PLAIN", ctx is not None and not in_tls)
                   + 'OK "done"\r\n')
        elif cmd == "AUTHENTICATE":
            mech = words[1].strip('"').upper() if len(words) > 1 else ""
            p.rec.event("authenticate %s" % mech)
            if len(words) > 2:
                ir = words[2].strip('"')
            else:
                p.send('""\r\n')
                ir = (p.line() or "").strip('"')
            user = plain_user(ir)
            p.rec.event("auth %s" % user)
            reply = SIEVE_REPLY.get(local(user), SIEVE_REPLY["no"])
            p.send(reply + "\r\n")
            if reply.startswith("BYE"):
                return
        elif cmd == "LOGOUT":
            p.send('OK "bye"\r\n')
            return
        else:
            p.send('NO "unknown command"\r\n')


def https_session(p, port):
    """One HTTP/1.1 exchange (keep-alive not offered)."""
    head = []
    while True:
        line = p.line()
        if line is None:
            return
        if line == "":
            break
        head.append(line)
    if not head:
        return
    method, path = (head[0].split(" ") + ["", ""])[:2]
    hdrs = {}
    for h in head[1:]:
        k, _, v = h.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get("content-length", "0") or 0)
    if n:
        p.exactly(n)
    auth = hdrs.get("authorization", "")
    user = None
    if auth.lower().startswith("basic "):
        try:
            user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
        except ValueError:
            user = "?"
    p.rec.event("http %s %s user=%s" % (method, path, user))
    extra = ""
    if user is None:
        status, extra = 401, 'WWW-Authenticate: Basic realm="fake"\r\n'
    elif path == "/redirect-same":
        status = 301
        extra = f"Location: https://127.0.0.1:{port}/status/200\r\n"
    elif path == "/redirect-other":
        status, extra = 301, "Location: https://other.fake.example/\r\n"
    elif path.startswith("/status/"):
        try:
            status = int(path[8:])
        except ValueError:
            status = 404
        if status == 401:
            extra = 'WWW-Authenticate: Basic realm="fake"\r\n'
        elif status == 4011:
            status = 401
            extra = 'WWW-Authenticate: Bearer realm="fake"\r\n'
    else:
        status = 404
    body = b'{"ok": true}\n' if status < 300 else b"no\n"
    p.send(f"HTTP/1.1 {status} X\r\n{extra}Content-Type: application/json"
           f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
           .encode() + body)


def handle(name, sock, d, rec, port):
    sock.settimeout(IO_TIMEOUT)
    p = Peer(sock, rec)
    good = server_ctx(d)
    rec.event("connect")

    def caps_fixed(c):
        return lambda in_tls: c

    if name in ("imaps_codes", "imaps_noir", "imaps_loginonly",
                "imaps_logindisabled", "imaps_fail_scram", "imaps_fail_all"):
        caps = {
            "imaps_codes": "IMAP4rev1 SASL-IR AUTH=PLAIN",
            "imaps_noir": "IMAP4rev1 AUTH=PLAIN",
            "imaps_loginonly": "IMAP4rev1",
            "imaps_logindisabled": "IMAP4rev1 LOGINDISABLED",
            "imaps_fail_scram": "IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256 "
                                "AUTH=PLAIN",
            "imaps_fail_all": "IMAP4rev1 SASL-IR AUTH=PLAIN",
        }[name]
        mode = {"imaps_fail_scram": "fail_scram",
                "imaps_fail_all": "fail_all"}.get(name, "implicit")
        p.tls(good)
        p.send(f"* OK [CAPABILITY {caps}] fake ready\r\n")
        imap_session(p, caps_fixed(caps), "implicit" if mode == "implicit"
                     else mode)
    elif name == "smtps_codes":
        p.tls(good)
        p.send("220 auth.fake.example ESMTP fake\r\n")
        smtp_session(p, ["PIPELINING", "AUTH PLAIN", "ENHANCEDSTATUSCODES"])
    elif name == "pop3s_codes":
        p.tls(good)
        p.send("+OK fake POP3 ready\r\n")
        pop3_session(p, ["USER", "SASL PLAIN", "UIDL"])
    elif name == "sieve_codes":
        p.send(sieve_caps("", True) + 'OK "fake sieve ready"\r\n')
        sieve_session(p, good)
    elif name == "https_codes":
        p.tls(good)
        https_session(p, port)
    elif name == "https_wrongcert":
        p.tls(server_ctx(d, "wrong"))
        https_session(p, port)
    elif name == "imap_plain":
        p.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] plain\r\n")
        imap_session(p, caps_fixed("IMAP4rev1 AUTH=PLAIN SASL-IR"),
                     "plain")
    elif name == "smtp_plain":
        p.send("220 auth.fake.example ESMTP plain\r\n")
        smtp_session(p, ["PIPELINING", "AUTH PLAIN LOGIN"])
    elif name == "pop3_plain":
        p.send("+OK plain POP3\r\n")
        pop3_session(p, ["USER", "SASL PLAIN"])
    elif name == "sieve_plain":
        p.send(sieve_caps("PLAIN", False) + 'OK "plain sieve"\r\n')
        sieve_session(p, None)
    elif name == "imap_inject":
        p.send("* OK fake ready\r\n")
        imap_session(p, lambda t: ("IMAP4rev1 AUTH=PLAIN SASL-IR" if t
                                   else "IMAP4rev1 STARTTLS LOGINDISABLED"),
                     "starttls", starttls_ctx=good, inject=True)
    elif name == "imaps_wrongcert":
        p.tls(server_ctx(d, "wrong"))
        p.send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n")
        imap_session(p, caps_fixed("IMAP4rev1 SASL-IR AUTH=PLAIN"),
                     "implicit")
    elif name == "imap_starttls_wrongcert":
        p.send("* OK fake ready\r\n")
        imap_session(p, lambda t: ("IMAP4rev1 AUTH=PLAIN SASL-IR" if t
                                   else "IMAP4rev1 STARTTLS LOGINDISABLED"),
                     "starttls", starttls_ctx=server_ctx(d, "wrong"))
    elif name == "imaps_stall":
        while p._fill():
            pass
    elif name == "imap_endless":
        p.send("* OK ")
        for _ in range(16384):
            p.send(b"A" * 4096)
    elif name == "imap_drip":
        for _ in range(1200):
            p.send(b"*")
            time.sleep(0.05)


SCENARIOS = ["imaps_codes", "imaps_noir", "imaps_loginonly",
             "imaps_logindisabled", "imaps_fail_scram", "imaps_fail_all",
             "smtps_codes", "pop3s_codes", "sieve_codes", "https_codes",
             "imap_plain", "smtp_plain", "pop3_plain", "sieve_plain",
             "imap_inject", "imaps_wrongcert", "imap_starttls_wrongcert",
             "https_wrongcert", "imaps_stall", "imap_endless", "imap_drip"]


def serve_one(name, sock, d, rec, port):
    try:
        handle(name, sock, d, rec, port)
    except (OSError, ssl.SSLError, ValueError, UnicodeError):
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
    recs = {}
    for name in names:
        if name not in SCENARIOS:
            print(f"fake_auth.py: unknown scenario {name}", file=sys.stderr)
            return 2
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.addr, 0))
        s.listen(16)
        s.setblocking(False)
        port = s.getsockname()[1]
        sel.register(s, selectors.EVENT_READ, (name, port))
        recs[name] = Recorder(args.certdir, name)
        print(f"{name} {port}")
    print("READY", flush=True)
    while True:
        for key, _ in sel.select():
            try:
                conn, _ = key.fileobj.accept()
            except BlockingIOError:
                continue
            conn.setblocking(True)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            name, port = key.data
            threading.Thread(target=serve_one,
                             args=(name, conn, args.certdir, recs[name],
                                   port),
                             daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())

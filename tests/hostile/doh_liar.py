#!/usr/bin/python3
"""DoH liar: a DNS-over-HTTPS server (RFC 8484) that lies about addresses.

usage: /usr/bin/python3 doh_liar.py ADDR PORT --cert FILE --key FILE
           --upstream IP[@PORT] [--lie 192.0.2.66] [--pidfile FILE]

Serves POST (application/dns-message) and GET (?dns=base64url) on
/dns-query over TLS with the given certificate.  Every query of type A is
answered with one A record holding --lie (default 192.0.2.66); every other
query is forwarded to the upstream resolver over UDP (TCP when the answer is
truncated), 2 s timeout, and its answer returned as it is.  Other paths are
404.  Exits cleanly on SIGTERM or SIGINT (removes its pid file).  Standard
library only.
"""
import argparse
import base64
import http.server
import ipaddress
import os
import signal
import socket
import ssl
import struct
import sys
import threading

MAX_MESSAGE = 65535
TYPE_A = 1


def question_end(msg):
    """Offset just past the first question (name, type, class)."""
    if len(msg) < 12 or struct.unpack("!H", msg[4:6])[0] != 1:
        raise ValueError("not exactly one question")
    i = 12
    while True:
        if i >= len(msg):
            raise ValueError("truncated name")
        n = msg[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:
            raise ValueError("compressed question name")
        i += 1 + n
    if i + 4 > len(msg):
        raise ValueError("truncated question")
    return i + 4


def lie(query, addr):
    qend = question_end(query)
    qtype = struct.unpack("!H", query[qend - 4:qend - 2])[0]
    if qtype != TYPE_A:
        return None
    qid, flags = struct.unpack("!HH", query[:4])
    # QR, the query's opcode and RD, RA; rcode NOERROR; no OPT record
    rflags = 0x8000 | (flags & 0x7900) | 0x0080
    header = struct.pack("!HHHHHH", qid, rflags, 1, 1, 0, 0)
    answer = struct.pack("!HHHIH", 0xC00C, TYPE_A, 1, 300, 4) + addr
    return header + query[12:qend] + answer


def forward(query, upstream):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2.0)
        s.sendto(query, upstream)
        while True:
            resp, _ = s.recvfrom(MAX_MESSAGE)
            if resp[:2] == query[:2]:
                break
    if len(resp) >= 4 and resp[2] & 0x02:  # TC: ask again over TCP
        with socket.create_connection(upstream, timeout=2.0) as s:
            s.sendall(struct.pack("!H", len(query)) + query)
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack(
                    "!H", buf[:2])[0]:
                chunk = s.recv(MAX_MESSAGE)
                if not chunk:
                    raise OSError("upstream closed the TCP connection")
                buf += chunk
            resp = buf[2:2 + struct.unpack("!H", buf[:2])[0]]
    return resp


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server_version = "doh_liar"

    def log_message(self, fmt, *args):  # quiet: one line per lie below
        pass

    def reply(self, code, body=b"", ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def answer(self, query):
        try:
            resp = lie(query, self.server.lie_addr)
            if resp is not None:
                print("doh_liar.py: lied about an A query", flush=True)
            else:
                resp = forward(query, self.server.upstream)
        except (ValueError, OSError, struct.error) as e:
            self.reply(400, ("bad query: %s\n" % e).encode())
            return
        self.reply(200, resp, "application/dns-message")

    def do_POST(self):
        if self.path.split("?", 1)[0] != "/dns-query":
            self.reply(404, b"not found\n")
            return
        try:
            n = int(self.headers.get("Content-Length", "-1"))
        except ValueError:
            n = -1
        if n < 12 or n > MAX_MESSAGE:
            self.reply(400, b"bad length\n")
            return
        body = self.rfile.read(n)
        if self.headers.get("Content-Type", "") != "application/dns-message":
            self.reply(415, b"application/dns-message only\n")
            return
        self.answer(body)

    def do_GET(self):
        path, _, qs = self.path.partition("?")
        if path != "/dns-query":
            self.reply(404, b"not found\n")
            return
        dns = [p[4:] for p in qs.split("&") if p.startswith("dns=")]
        try:
            query = base64.urlsafe_b64decode(dns[0] + "=" * (-len(dns[0]) % 4))
        except (IndexError, ValueError):
            self.reply(400, b"dns= missing\n")
            return
        self.answer(query)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--upstream", required=True, help="IP[@PORT]")
    ap.add_argument("--lie", default="192.0.2.66")
    ap.add_argument("--pidfile")
    args = ap.parse_args()

    up_ip, _, up_port = args.upstream.partition("@")
    try:
        srv = Server((args.addr, args.port), Handler)
    except OSError as e:
        print(f"doh_liar.py: cannot bind {args.addr}:{args.port}: {e}",
              file=sys.stderr)
        return 1
    srv.upstream = (up_ip, int(up_port or 53))
    srv.lie_addr = ipaddress.IPv4Address(args.lie).packed
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    # the handshake happens in the connection's thread, on its first read
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)

    def on_signal(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(args.pidfile + ".tmp", args.pidfile)
    print(f"doh_liar.py: https://{args.addr}:{args.port}/dns-query, A -> "
          f"{args.lie}, the rest -> {args.upstream}", flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

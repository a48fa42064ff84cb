#!/usr/bin/python3
"""DNSSEC-stripping DNS forwarder: an upstream resolver that does not carry DNSSEC.

usage: /usr/bin/python3 dns_strip.py LISTEN_IP PORT UPSTREAM_IP UPSTREAM_PORT [--pidfile FILE]

Listens on UDP and TCP. Every query is forwarded to the upstream (the test
world's validating Unbound) with the DO bit of its EDNS OPT record cleared, so
the upstream leaves out RRSIG/NSEC/NSEC3. In each response the AD bit and the
DO bit of the OPT record are cleared and, defensively, every RRSIG, NSEC and
NSEC3 record that is still present (e.g. the answer to an explicit RRSIG or
NSEC query) is removed from all sections; the message is then rebuilt with
decompressed names. DNSKEY and DS records are kept (unsigned data). The CD bit
is forwarded as sent, so the upstream still refuses bogus data unless CD=1.

Bounded: upstream timeout 2 s per query (then SERVFAIL), at most 256 queries
in flight (UDP queries beyond that are dropped), at most 64 TCP connections,
each closed after 10 s idle. Exits on SIGTERM or SIGINT. Standard library only.
"""
import argparse
import os
import random
import selectors
import signal
import socket
import struct
import sys
import threading
import time

UPSTREAM_TIMEOUT = 2.0
MAX_INFLIGHT = 256
MAX_TCP_CONNECTIONS = 64
TCP_IDLE = 10.0

T_OPT, T_RRSIG, T_NSEC, T_NSEC3 = 41, 46, 47, 50
STRIP_TYPES = {T_RRSIG, T_NSEC, T_NSEC3}
F_AD, F_TC = 0x0020, 0x0200
EDNS_DO = 0x8000
RCODE_FORMERR, RCODE_SERVFAIL = 1, 2

# RDATA layouts with domain names that may be compressed (RFC 1035 types, and
# those RFC 3597 §4 tells receivers to decompress): 'N' name, 'S' char-string,
# an integer = that many fixed bytes. The rest of the RDATA is copied as is.
RDATA_NAMES = {
    2: "N", 3: "N", 4: "N", 5: "N", 7: "N", 8: "N", 9: "N", 12: "N", 39: "N",  # NS..PTR, DNAME
    6: "NN",               # SOA (the 20 fixed bytes follow as "rest")
    14: "NN", 17: "NN",    # MINFO, RP
    15: (2, "N"), 18: (2, "N"), 21: (2, "N"), 36: (2, "N"),  # MX, AFSDB, RT, KX
    26: (2, "N", "N"),     # PX
    33: (6, "N"),          # SRV
    35: (4, "S", "S", "S", "N"),  # NAPTR
}


class Malformed(Exception):
    pass


_log_lock = threading.Lock()


def log(msg):
    with _log_lock:
        print(f"dns_strip.py: {msg}", flush=True)


# ------------------------------------------------------------------ wire format
def read_name(msg, off):
    """-> (list of labels as bytes, offset after the name in place)."""
    labels, end, hops, total = [], None, 0, 1
    while True:
        if off >= len(msg):
            raise Malformed("name runs past the end")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise Malformed("truncated pointer")
            hops += 1
            if hops > 64:
                raise Malformed("compression loop")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            continue
        if n & 0xC0:
            raise Malformed("unknown label type")
        if n == 0:
            return labels, (off + 1 if end is None else end)
        total += n + 1
        if total > 255 or off + 1 + n > len(msg):
            raise Malformed("name too long")
        labels.append(msg[off + 1:off + 1 + n])
        off += 1 + n


def wire_name(labels):
    return b"".join(bytes([len(lb)]) + lb for lb in labels) + b"\0"


def name_text(labels):
    return ".".join(lb.decode("ascii", "backslashreplace") for lb in labels) + "."


def parse(msg):
    """-> dict: id, flags, question (list of (labels, qtype, qclass, raw-offsets)),
    sections (3 lists of RR dicts), opt (RR dict or None)."""
    if len(msg) < 12:
        raise Malformed("short header")
    mid, flags, qd, an, ns, ar = struct.unpack_from("!6H", msg, 0)
    off = 12
    questions = []
    for _ in range(qd):
        labels, off = read_name(msg, off)
        if off + 4 > len(msg):
            raise Malformed("truncated question")
        qtype, qclass = struct.unpack_from("!HH", msg, off)
        off += 4
        questions.append((labels, qtype, qclass))
    sections, opt = [], None
    for count in (an, ns, ar):
        rrs = []
        for _ in range(count):
            start = off
            labels, off = read_name(msg, off)
            if off + 10 > len(msg):
                raise Malformed("truncated RR header")
            rtype, rclass, ttl, rdlen = struct.unpack_from("!HHIH", msg, off)
            ttl_off = off + 4
            off += 10
            if off + rdlen > len(msg):
                raise Malformed("truncated RDATA")
            rr = {"labels": labels, "type": rtype, "class": rclass, "ttl": ttl,
                  "ttl_off": ttl_off, "rdata_off": off, "rdlen": rdlen, "start": start}
            off += rdlen
            rr["end"] = off
            rrs.append(rr)
            if rtype == T_OPT and len(sections) == 2:
                opt = rr
        sections.append(rrs)
    return {"id": mid, "flags": flags, "questions": questions, "sections": sections,
            "opt": opt, "end": off}


def expand_rdata(msg, rr):
    """RDATA with every (possibly compressed) domain name written out in full."""
    off, end = rr["rdata_off"], rr["rdata_off"] + rr["rdlen"]
    layout = RDATA_NAMES.get(rr["type"])
    if layout is None:
        return msg[off:end]
    out = b""
    for item in layout:
        if item == "N":
            labels, noff = read_name(msg, off)
            out += wire_name(labels)
        elif item == "S":
            if off >= end:
                raise Malformed("truncated character-string")
            noff = off + 1 + msg[off]
            out += msg[off:noff]
        else:
            noff = off + item
            out += msg[off:noff]
        if noff > end:
            raise Malformed("RDATA shorter than its names")
        off = noff
    return out + msg[off:end]


def header_reply(query, rcode):
    """A reply with the query's question (if parseable) and the given RCODE."""
    mid, flags = struct.unpack_from("!HH", query, 0)
    flags = (flags & 0x7910) | 0x8080 | rcode  # keep opcode, RD, CD; set QR, RA
    question, qd = b"", 0
    try:
        p = parse(query)
        if p["questions"]:
            labels, qt, qc = p["questions"][0]
            question, qd = wire_name(labels) + struct.pack("!HH", qt, qc), 1
    except Malformed:
        pass
    return struct.pack("!6H", mid, flags, qd, 0, 0, 0) + question


def client_udp_limit(parsed_query):
    opt = parsed_query["opt"]
    return 512 if opt is None else max(512, opt["class"])


def prepare_query(query):
    """-> (parsed query, bytes to send upstream): DO cleared, fresh random ID."""
    p = parse(query)
    if len(p["questions"]) != 1:
        raise Malformed("need exactly one question")
    q = bytearray(query[:p["end"]])
    if p["opt"] is not None:
        o = p["opt"]["ttl_off"] + 2          # ext-rcode(1) version(1) | DO Z(2)
        struct.pack_into("!H", q, o, struct.unpack_from("!H", q, o)[0] & ~EDNS_DO)
    upstream_id = random.randrange(0x10000)
    struct.pack_into("!H", q, 0, upstream_id)
    return p, bytes(q), upstream_id


def strip_response(resp, client_id, limit):
    """-> (response for the client, number of records removed)."""
    p = parse(resp)
    removed = sum(1 for sec in p["sections"] for rr in sec if rr["type"] in STRIP_TYPES)
    flags = p["flags"] & ~F_AD
    if not removed:
        out = bytearray(resp[:p["end"]])
        struct.pack_into("!HH", out, 0, client_id, flags)
        if p["opt"] is not None:
            o = p["opt"]["ttl_off"] + 2
            struct.pack_into("!H", out, o, struct.unpack_from("!H", out, o)[0] & ~EDNS_DO)
        out = bytes(out)
    else:
        body, counts = b"", []
        for labels, qt, qc in p["questions"]:
            body += wire_name(labels) + struct.pack("!HH", qt, qc)
        for sec in p["sections"]:
            n = 0
            for rr in sec:
                if rr["type"] in STRIP_TYPES:
                    continue
                ttl = rr["ttl"] & ~EDNS_DO if rr["type"] == T_OPT else rr["ttl"]
                rdata = expand_rdata(resp, rr)
                body += wire_name(rr["labels"]) + struct.pack(
                    "!HHIH", rr["type"], rr["class"], ttl, len(rdata)) + rdata
                n += 1
            counts.append(n)
        out = struct.pack("!6H", client_id, flags, len(p["questions"]), *counts) + body
    if len(out) > limit:
        # does not fit (the rebuilt message is uncompressed): header + question, TC
        tc = header_reply(resp, p["flags"] & 0xF)
        out = bytearray(tc)
        struct.pack_into("!HH", out, 0, client_id, (flags | F_TC))
        out = bytes(out)
    return out, removed


# ------------------------------------------------------------------ upstream
def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def ask_upstream_udp(upstream, q, upstream_id):
    deadline = time.monotonic() + UPSTREAM_TIMEOUT
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(upstream)
        s.send(q)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("upstream timeout")
            s.settimeout(left)
            r = s.recv(65535)
            if len(r) >= 12 and struct.unpack_from("!H", r, 0)[0] == upstream_id and r[2] & 0x80:
                return r


def ask_upstream_tcp(upstream, q, upstream_id):
    deadline = time.monotonic() + UPSTREAM_TIMEOUT
    with socket.create_connection(upstream, timeout=UPSTREAM_TIMEOUT) as s:
        s.sendall(struct.pack("!H", len(q)) + q)
        s.settimeout(max(0.01, deadline - time.monotonic()))
        n = struct.unpack("!H", recv_exact(s, 2))[0]
        s.settimeout(max(0.01, deadline - time.monotonic()))
        r = recv_exact(s, n)
        if len(r) < 12 or struct.unpack_from("!H", r, 0)[0] != upstream_id:
            raise Malformed("upstream answered with another ID")
        return r


def answer(query, upstream, transport):
    """One query in, one response out (None: drop)."""
    if len(query) < 12 or query[2] & 0x80:
        return None                               # not a query
    try:
        p, q, upstream_id = prepare_query(query)
    except Malformed as e:
        log(f"{transport}: malformed query: {e}")
        return header_reply(query, RCODE_FORMERR) if len(query) >= 12 else None
    labels, qtype, _ = p["questions"][0]
    what = f"{transport} {name_text(labels)} type {qtype}"
    limit = client_udp_limit(p) if transport == "udp" else 65535
    try:
        r = (ask_upstream_udp if transport == "udp" else ask_upstream_tcp)(upstream, q, upstream_id)
        out, removed = strip_response(r, p["id"], limit)
    except Exception as e:  # timeout, socket error, malformed upstream answer
        log(f"{what}: SERVFAIL ({type(e).__name__}: {e})")
        return header_reply(query, RCODE_SERVFAIL)
    if removed:
        log(f"{what}: removed {removed} RRSIG/NSEC/NSEC3 record(s)")
    return out


# ------------------------------------------------------------------ server
class Server:
    def __init__(self, args):
        self.upstream = (args.upstream_ip, args.upstream_port)
        self.inflight = threading.BoundedSemaphore(MAX_INFLIGHT)
        self.tcp_slots = threading.BoundedSemaphore(MAX_TCP_CONNECTIONS)
        self.dropped = 0

    def udp_query(self, usock, data, peer):
        try:
            out = answer(data, self.upstream, "udp")
            if out is not None:
                usock.sendto(out, peer)
        except OSError as e:
            log(f"udp: cannot answer {peer[0]}:{peer[1]}: {e}")
        finally:
            self.inflight.release()

    def tcp_conn(self, conn):
        try:
            while True:
                conn.settimeout(TCP_IDLE)
                try:
                    n = struct.unpack("!H", recv_exact(conn, 2))[0]
                    data = recv_exact(conn, n)
                except (OSError, ConnectionError):
                    return
                if not self.inflight.acquire(timeout=UPSTREAM_TIMEOUT):
                    return
                try:
                    out = answer(data, self.upstream, "tcp")
                finally:
                    self.inflight.release()
                if out is None:
                    return
                conn.settimeout(UPSTREAM_TIMEOUT)
                conn.sendall(struct.pack("!H", len(out)) + out)
        except OSError:
            pass
        finally:
            conn.close()
            self.tcp_slots.release()

    def serve(self, usock, tsock):
        sel = selectors.DefaultSelector()
        sel.register(usock, selectors.EVENT_READ)
        sel.register(tsock, selectors.EVENT_READ)
        while True:
            for key, _ in sel.select(1.0):
                if key.fileobj is usock:
                    try:
                        data, peer = usock.recvfrom(65535)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        continue
                    if not self.inflight.acquire(blocking=False):
                        self.dropped += 1
                        if self.dropped % 100 == 1:
                            log(f"udp: {MAX_INFLIGHT} queries in flight, dropped {self.dropped} so far")
                        continue
                    threading.Thread(target=self.udp_query, args=(usock, data, peer), daemon=True).start()
                else:
                    try:
                        conn, _peer = tsock.accept()
                    except (BlockingIOError, InterruptedError, OSError):
                        continue
                    if not self.tcp_slots.acquire(blocking=False):
                        conn.close()
                        continue
                    conn.setblocking(True)
                    threading.Thread(target=self.tcp_conn, args=(conn,), daemon=True).start()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("listen_ip")
    ap.add_argument("port", type=int)
    ap.add_argument("upstream_ip")
    ap.add_argument("upstream_port", type=int)
    ap.add_argument("--pidfile")
    args = ap.parse_args()

    def on_signal(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    usock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        usock.bind((args.listen_ip, args.port))
        tsock.bind((args.listen_ip, args.port))
    except OSError as e:
        print(f"dns_strip.py: cannot bind {args.listen_ip}:{args.port}: {e}", file=sys.stderr)
        return 1
    tsock.listen(64)
    usock.setblocking(False)
    tsock.setblocking(False)

    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(args.pidfile + ".tmp", args.pidfile)
    log(f"listening on {args.listen_ip}:{args.port} (udp+tcp), forwarding to "
        f"{args.upstream_ip}:{args.upstream_port} with DNSSEC stripped")
    try:
        Server(args).serve(usock, tsock)
    finally:
        usock.close()
        tsock.close()
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

#!/usr/bin/python3
"""Delay proxy: adds a fixed one-way delay to TCP streams and UDP datagrams.

usage: /usr/bin/python3 delayproxy.py --delay-ms MS [--pidfile FILE]
           [--max-connections 512] [--max-udp-flows 1024] [-v] MAP...

MAP is PROTO:LISTEN_IP:PORT=TARGET_IP:PORT with PROTO tcp or udp, e.g.
  tcp:127.58.101.1:443=127.58.1.1:443 udp:127.58.100.53:53=127.58.0.53:53

The kernel here has no sch_netem, so latency is emulated in user space (the
recipe of shared/notes/testbed-recipes.md section 6, grown up): every chunk
read in either direction is forwarded MS milliseconds after it was read, in
order, so a request/response costs one round trip of 2*MS.

TCP.  The kernel accepts the client's connection at once (loopback), so the
client's connect() returns immediately instead of after one round trip.  The
proxy charges that round trip to the connection instead, which gives the same
time for every exchange measured from the client's connect():
  * the upstream connection is opened MS after the accept (the SYN arriving);
    if it is refused, the client is reset 2*MS after the accept;
  * a client chunk read at t is forwarded at max(t, accept + 2*MS) + MS
    (a real client could only have sent it once its connect() returned);
  * a server chunk read at t is forwarded at max(t, accept + 3*MS) + MS
    (a real server accepts when the client's ACK arrives, 1.5 RTT in).
So a client-first exchange (TLS ClientHello) gets its first answer 2 RTT after
connect() starts, as does a server-first greeting (IMAP/SMTP/POP3): TCP
handshake + one round trip, as on a real path.  End of stream is forwarded
(half-close) with the same delay; a reset is forwarded as a reset.

UDP.  Each datagram is sent upstream MS after it arrived, from a socket that
belongs to the client's address and port (a NAT-like flow, dropped after 10 s
without traffic); each reply goes back to the client MS after it arrived.

Bounded: at most --max-connections TCP connections at once (further ones are
closed at once) and --max-udp-flows UDP flows (further datagrams dropped); at
most 4 MiB queued per direction (reading pauses until the queue drains).
Exits cleanly on SIGTERM or SIGINT.  SIGUSR1 prints a statistics line (counts,
and how late the forwarded chunks were against their due time: the proxy's own
error).  Standard library only.
"""
import argparse
import asyncio
import os
import signal
import socket
import sys
import time

QUEUE_LIMIT = 4 << 20      # bytes queued per direction before reading pauses
UDP_IDLE = 10.0            # seconds without traffic before a UDP flow is dropped
CONNECT_TIMEOUT = 10.0

stats = {"tcp": 0, "tcp_refused": 0, "tcp_over_limit": 0, "udp": 0, "udp_dropped": 0,
         "sent": 0, "late_ms_sum": 0.0, "late_ms_max": 0.0}
VERBOSE = False


def sent_late(due):
    """account for one forwarded chunk/datagram that was due at `due` (monotonic)"""
    late = max(0.0, time.monotonic() - due) * 1000.0
    stats["sent"] += 1
    stats["late_ms_sum"] += late
    if late > stats["late_ms_max"]:
        stats["late_ms_max"] = late


def stats_line():
    n = stats["sent"]
    return ("delayproxy.py: stats: tcp %d (refused %d, over limit %d), udp %d (dropped %d), "
            "forwarded %d, late mean %.2f ms max %.2f ms"
            % (stats["tcp"], stats["tcp_refused"], stats["tcp_over_limit"], stats["udp"],
               stats["udp_dropped"], n, stats["late_ms_sum"] / n if n else 0.0,
               stats["late_ms_max"]))


def log(msg):
    if VERBOSE:
        print(f"delayproxy.py: {msg}", flush=True)


def parse_map(s):
    try:
        proto, rest = s.split(":", 1)
        lst, tgt = rest.split("=", 1)
        lh, lp = lst.rsplit(":", 1)
        th, tp = tgt.rsplit(":", 1)
        if proto not in ("tcp", "udp"):
            raise ValueError
        return proto, (lh, int(lp)), (th, int(tp))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad MAP '{s}' (want tcp|udp:LISTEN_IP:PORT=TARGET_IP:PORT)")


class Pipe:
    """One direction of a TCP connection: chunks released at their due time, in order."""

    def __init__(self, name):
        self.name = name
        self.q = asyncio.Queue()
        self.queued = 0
        self.room = asyncio.Event()
        self.room.set()

    async def read_from(self, reader, not_before, delay):
        """Read until EOF/error; queue (due, data). data None = EOF, False = reset."""
        try:
            while True:
                await self.room.wait()
                data = await reader.read(65536)
                t = time.monotonic()
                due = max(t, not_before) + delay
                if not data:
                    self.q.put_nowait((due, None))
                    return
                self.queued += len(data)
                if self.queued > QUEUE_LIMIT:
                    self.room.clear()
                self.q.put_nowait((due, data))
        except (ConnectionError, OSError):
            self.q.put_nowait((max(time.monotonic(), not_before) + delay, False))

    async def write_to(self, writer):
        """Returns 'eof' after forwarding a half-close, 'reset' after a reset/error."""
        while True:
            due, data = await self.q.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                try:
                    if writer.can_write_eof():
                        writer.write_eof()
                    await writer.drain()
                except (ConnectionError, OSError):
                    return "reset"
                return "eof"
            if data is False:
                return "reset"
            sent_late(due)
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                return "reset"
            self.queued -= len(data)
            if self.queued <= QUEUE_LIMIT:
                self.room.set()


def abort(writer):
    try:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        writer.transport.abort()
    except Exception:
        pass


class TcpMap:
    def __init__(self, listen, target, delay, limiter):
        self.listen, self.target, self.delay, self.limiter = listen, target, delay, limiter

    async def handle(self, cr, cw):
        t0 = time.monotonic()
        d = self.delay
        if self.limiter["active"] >= self.limiter["max"]:
            stats["tcp_over_limit"] += 1
            cw.close()
            return
        self.limiter["active"] += 1
        stats["tcp"] += 1
        sw = None
        tasks = []
        try:
            up = Pipe("up")
            down = Pipe("down")
            # read the client from the start (its data is due at >= t0 + 3d)
            tasks.append(asyncio.ensure_future(up.read_from(cr, t0 + 2 * d, d)))
            await asyncio.sleep(max(0.0, t0 + d - time.monotonic()))   # SYN reaches the server
            try:
                sr, sw = await asyncio.wait_for(asyncio.open_connection(*self.target),
                                                CONNECT_TIMEOUT)
            except (OSError, asyncio.TimeoutError) as e:
                stats["tcp_refused"] += 1
                log(f"{self.listen} -> {self.target}: {e}")
                await asyncio.sleep(max(0.0, t0 + 2 * d - time.monotonic()))  # RST travels back
                abort(cw)
                return
            tasks.append(asyncio.ensure_future(down.read_from(sr, t0 + 3 * d, d)))
            w_up = asyncio.ensure_future(up.write_to(sw))
            w_down = asyncio.ensure_future(down.write_to(cw))
            tasks += [w_up, w_down]
            pending = {w_up, w_down}
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if any(t.result() == "reset" for t in done):
                    abort(cw)
                    abort(sw)
                    break
        finally:
            for t in tasks:
                t.cancel()
            for w in (cw, sw):
                if w is not None:
                    try:
                        w.close()
                    except Exception:
                        pass
            self.limiter["active"] -= 1


class UdpFlow(asyncio.DatagramProtocol):
    """The upstream side of one client's UDP flow."""

    def __init__(self, front, client):
        self.front, self.client, self.transport = front, client, None
        self.last = time.monotonic()

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.last = time.monotonic()
        loop = asyncio.get_running_loop()
        loop.call_later(self.front.delay, self.front.reply, data, self.client,
                        time.monotonic() + self.front.delay)

    def error_received(self, exc):
        pass


class UdpFront(asyncio.DatagramProtocol):
    def __init__(self, listen, target, delay, max_flows):
        self.listen, self.target, self.delay, self.max_flows = listen, target, delay, max_flows
        self.flows = {}       # client addr -> UdpFlow (or None while being created)
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def reply(self, data, client, due):
        sent_late(due)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, client)

    def datagram_received(self, data, addr):
        stats["udp"] += 1
        if addr not in self.flows and len(self.flows) >= self.max_flows:
            stats["udp_dropped"] += 1
            return
        loop = asyncio.get_running_loop()
        due = time.monotonic() + self.delay
        loop.call_later(self.delay, lambda: asyncio.ensure_future(self.forward(data, addr, due)))

    async def forward(self, data, addr, due):
        flow = self.flows.get(addr)
        if flow is None:
            if addr in self.flows:          # being created: wait for it
                for _ in range(100):
                    await asyncio.sleep(0.001)
                    flow = self.flows.get(addr)
                    if flow is not None:
                        break
                if flow is None:
                    return
            else:
                self.flows[addr] = None
                try:
                    _, flow = await asyncio.get_running_loop().create_datagram_endpoint(
                        lambda: UdpFlow(self, addr), remote_addr=self.target)
                except OSError as e:
                    log(f"udp {self.listen} -> {self.target}: {e}")
                    del self.flows[addr]
                    return
                self.flows[addr] = flow
        flow.last = time.monotonic()
        sent_late(due)
        flow.transport.sendto(data)

    def expire(self):
        now = time.monotonic()
        for addr, flow in list(self.flows.items()):
            if flow is not None and now - flow.last > UDP_IDLE:
                flow.transport.close()
                del self.flows[addr]


async def main_async(args):
    delay = args.delay_ms / 1000.0
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, lambda: print(stats_line(), flush=True))
    limiter = {"active": 0, "max": args.max_connections}
    servers, fronts = [], []
    for proto, listen, target in args.maps:
        try:
            if proto == "tcp":
                m = TcpMap(listen, target, delay, limiter)
                servers.append(await asyncio.start_server(m.handle, listen[0], listen[1],
                                                          reuse_address=True, backlog=256))
            else:
                f = UdpFront(listen, target, delay, args.max_udp_flows)
                await loop.create_datagram_endpoint(lambda f=f: f, local_addr=listen)
                fronts.append(f)
        except OSError as e:
            print(f"delayproxy.py: cannot listen on {proto} {listen[0]}:{listen[1]}: {e}",
                  file=sys.stderr)
            return 1
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(args.pidfile + ".tmp", args.pidfile)
    print(f"delayproxy.py: {len(args.maps)} maps, one-way delay {args.delay_ms:g} ms "
          f"(RTT {2 * args.delay_ms:g} ms)", flush=True)
    for proto, listen, target in args.maps:
        print(f"  {proto} {listen[0]}:{listen[1]} -> {target[0]}:{target[1]}", flush=True)

    async def expire_loop():
        while True:
            await asyncio.sleep(1.0)
            for f in fronts:
                f.expire()
    exp = asyncio.ensure_future(expire_loop())
    await stop.wait()
    exp.cancel()
    for s in servers:
        s.close()
    for f in fronts:
        if f.transport:
            f.transport.close()
    print(stats_line(), flush=True)
    print("delayproxy.py: exiting", flush=True)
    return 0


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay-ms", type=float, required=True, help="one-way delay (RTT = 2x)")
    ap.add_argument("--pidfile")
    ap.add_argument("--max-connections", type=int, default=512)
    ap.add_argument("--max-udp-flows", type=int, default=1024)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("maps", nargs="+", type=parse_map, metavar="MAP")
    args = ap.parse_args()
    if not 0 <= args.delay_ms <= 10000:
        ap.error("--delay-ms must be between 0 and 10000")
    VERBOSE = args.verbose
    try:
        return asyncio.run(main_async(args))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Stall server: accepts TCP connections and never sends a single byte.

usage: /usr/bin/python3 stall.py ADDR PORT [--max-seconds 60] [--pidfile FILE]

Every accepted connection is read from (the bytes are discarded) and closed by
us after at most --max-seconds (default 60), or earlier when the peer closes.
Nothing is ever written, so a TLS client waits forever for the ServerHello and
an HTTP client for the status line: the client's own timeout must fire.
Exits cleanly on SIGTERM or SIGINT. Standard library only.
"""
import argparse
import os
import selectors
import signal
import socket
import sys
import time

MAX_CONNECTIONS = 512  # beyond this, new connections are closed at once


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--pidfile")
    args = ap.parse_args()

    def on_signal(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        lsock.bind((args.addr, args.port))
    except OSError as e:
        print(f"stall.py: cannot bind {args.addr}:{args.port}: {e}", file=sys.stderr)
        return 1
    lsock.listen(128)
    lsock.setblocking(False)

    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(args.pidfile + ".tmp", args.pidfile)

    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    deadlines = {}  # socket -> monotonic deadline
    print(f"stall.py: listening on {args.addr}:{args.port}, max {args.max_seconds:g} s per connection",
          flush=True)

    def drop(s):
        deadlines.pop(s, None)
        try:
            sel.unregister(s)
        except (KeyError, ValueError):
            pass
        s.close()

    try:
        while True:
            now = time.monotonic()
            timeout = 1.0
            if deadlines:
                timeout = max(0.0, min(timeout, min(deadlines.values()) - now))
            for key, _ in sel.select(timeout):
                if key.fileobj is lsock:
                    try:
                        conn, _peer = lsock.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    if len(deadlines) >= MAX_CONNECTIONS:
                        conn.close()
                        continue
                    conn.setblocking(False)
                    deadlines[conn] = time.monotonic() + args.max_seconds
                    sel.register(conn, selectors.EVENT_READ, None)
                else:
                    s = key.fileobj
                    try:
                        data = s.recv(65536)  # read and discard
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        drop(s)
            now = time.monotonic()
            for s in [s for s, d in deadlines.items() if d <= now]:
                drop(s)
    finally:
        for s in list(deadlines):
            drop(s)
        lsock.close()
        if args.pidfile:
            try:
                with open(args.pidfile) as f:
                    if f.read().strip() == str(os.getpid()):
                        os.unlink(args.pidfile)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main())

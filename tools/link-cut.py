#!/usr/bin/env python3
"""A UNIX-socket relay that can cut a link, for the agent-link tests.

    link-cut.py --upstream QEMU.sock --listen PROXY.sock [--cut-seconds 3]

Relays one client (vnetlat record --serial-socket PROXY.sock) to the upstream socket (QEMU's
virtio-serial chardev). On SIGUSR1 it closes both sides, accepts nothing for --cut-seconds
(the guest sees its port's host side go away), then takes the client's reconnection and
connects upstream again. Prints "ready", "cut" and "restored" as they happen.
"""
import argparse
import os
import select
import signal
import socket
import sys
import time

cut_requested = False


def on_usr1(signum, frame):
    global cut_requested
    cut_requested = True


def say(what):
    print(what, flush=True)


def main():
    global cut_requested
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--listen", required=True)
    ap.add_argument("--cut-seconds", type=float, default=3.0)
    args = ap.parse_args()
    signal.signal(signal.SIGUSR1, on_usr1)
    if os.path.exists(args.listen):
        os.unlink(args.listen)
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(args.listen)
    lsock.listen(4)
    client = upstream = None
    paused_until = 0.0
    say("ready")
    while True:
        if cut_requested:
            cut_requested = False
            for s in (client, upstream):
                if s:
                    s.close()
            client = upstream = None
            paused_until = time.monotonic() + args.cut_seconds
            say("cut")
        socks = [s for s in (client, upstream) if s]
        if not client and time.monotonic() >= paused_until:
            socks.append(lsock)
        try:
            ready, _, _ = select.select(socks, [], [], 0.1)
        except InterruptedError:
            continue
        for s in ready:
            if s is lsock:
                client, _ = lsock.accept()
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    upstream.connect(args.upstream)
                except OSError as e:
                    print("link-cut: upstream: %s" % e, file=sys.stderr, flush=True)
                    client.close()
                    client = upstream = None
                    time.sleep(0.2)
                    continue
                say("restored" if paused_until else "connected")
                continue
            other = upstream if s is client else client
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data or other is None:
                for t in (client, upstream):
                    if t:
                        t.close()
                client = upstream = None
                continue
            other.sendall(data)


if __name__ == "__main__":
    main()

"""Keepalive sockets held inside a network namespace, for the namespace tests.

Run inside one: ip netns exec NS python3 ns-holder.py [--listen ADDR:PORT]... [--accept N]
                    [--connect ADDR:PORT]... --keepalive IDLE,INTVL,CNT[,UTO_MS]
Makes a loopback pair, listens on each --listen address, connects to each --connect address
(retrying while the neighbour's holder is not listening yet), sets the keepalive on its client
sockets only (accepted ones keep the namespace's sysctl defaults), accepts N connections, then
prints one line {"event": "READY", "pid", "listeners": [...], "sockets": [...]}: each with
local/peer {address, port}, inode and the kernel's keepalive as getsockopt reads it.
Then on stdin, one JSON line per command:
  get PORT   {"port", "keepalive"}: the settings of the connected socket with that local port;
  recv PORT  {"port", "error": "ECONNABORTED" | null, "eof"}: what recv() says now (no wait).
Exits when stdin closes. ns-mover.py imports the socket functions from here.
"""
import argparse
import errno
import json
import os
import select
import socket
import sys
import time

CONNECT_RETRY_SEC = 60


def keepalive_of(s):
    opt = lambda level, name: s.getsockopt(level, name)
    return {
        "enabled": opt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
        "idleSec": opt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
        "intervalSec": opt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
        "count": opt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
        "userTimeoutMs": opt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
    }


def set_keepalive(s, settings):
    idle, intvl, cnt, uto = (list(settings) + [0])[:4]
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, intvl)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cnt)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, uto)


def endpoint(pair):
    return {"address": pair[0], "port": pair[1]}


def describe(role, s):
    entry = {"role": role, "local": endpoint(s.getsockname()), "inode": os.fstat(s.fileno()).st_ino}
    if role != "listener":
        entry["peer"] = endpoint(s.getpeername())
        entry["keepalive"] = keepalive_of(s)
    return entry


def listen(address, port):
    s = socket.socket()
    s.bind((address, port))
    s.listen(8)
    return s


def connect(address, port, settings, taken):
    """A client socket with `settings`, whose local port no other connected socket of ours has."""
    deadline = time.monotonic() + CONNECT_RETRY_SEC
    while True:
        s = socket.socket()
        try:
            s.connect((address, port))
        except OSError as error:
            s.close()
            if error.errno not in (errno.ECONNREFUSED, errno.ENETUNREACH) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
            continue
        # Linux may give two connections to different peers the same local port; `get PORT` needs one.
        if s.getsockname()[1] in taken:
            s.close()
            continue
        set_keepalive(s, settings)
        return s


def loopback_pair(settings, taken):
    """(listener, client, accepted) on 127.0.0.1, both ports not in `taken`; only the client gets `settings`."""
    # Held open while we look, so the kernel cannot hand the same port back (a mover's
    # second namespace has a port space of its own).
    refused = []
    listener = listen("127.0.0.1", 0)
    while listener.getsockname()[1] in taken:
        refused.append(listener)
        listener = listen("127.0.0.1", 0)
    for s in refused:
        s.close()
    client = connect("127.0.0.1", listener.getsockname()[1], settings, taken)
    accepted, _ = listener.accept()
    return listener, client, accepted


def answer(command, by_port):
    verb, _, arg = command.partition(" ")
    s = by_port.get(int(arg)) if arg.isdigit() else None
    if s is None:
        return {"command": command, "error": "no such socket"}
    if verb == "get":
        return {"port": int(arg), "keepalive": keepalive_of(s)}
    if verb == "recv":
        try:
            data = s.recv(1, socket.MSG_DONTWAIT)
            return {"port": int(arg), "error": None, "eof": data == b""}
        except BlockingIOError:
            return {"port": int(arg), "error": None, "eof": False}
        except OSError as error:
            return {"port": int(arg), "error": errno.errorcode.get(error.errno, str(error.errno)), "eof": False}
    return {"command": command, "error": "unknown command"}


def serve(connected):
    """Answers stdin commands about `connected` (sockets keyed by local port) until stdin closes."""
    by_port = {s.getsockname()[1]: s for s in connected}
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(answer(line.strip(), by_port)), flush=True)


def address_port(text):
    address, _, port = text.rpartition(":")
    return address, int(port)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", action="append", default=[], type=address_port)
    parser.add_argument("--accept", type=int, default=0)
    parser.add_argument("--connect", action="append", default=[], type=address_port)
    parser.add_argument("--keepalive", required=True, type=lambda v: [int(x) for x in v.split(",")])
    args = parser.parse_args()
    listeners = [listen(address, port) for address, port in args.listen]
    taken = set()
    loop_listener, loop_client, loop_accepted = loopback_pair(args.keepalive, taken)
    sockets = [("loopback-client", loop_client), ("loopback-server", loop_accepted)]
    taken.update(s.getsockname()[1] for _, s in sockets)
    for address, port in args.connect:
        s = connect(address, port, args.keepalive, taken)
        taken.add(s.getsockname()[1])
        sockets.append(("veth-client", s))
    for _ in range(args.accept):
        ready, _, _ = select.select(listeners, [], [], CONNECT_RETRY_SEC)
        if not ready:
            sys.exit(f"ns-holder: no neighbour connected within {CONNECT_RETRY_SEC} s")
        accepted, _ = ready[0].accept()
        sockets.append(("veth-server", accepted))
    print(json.dumps({
        "event": "READY",
        "pid": os.getpid(),
        "listeners": [describe("listener", s) for s in listeners + [loop_listener]],
        "sockets": [describe(role, s) for role, s in sockets],
    }), flush=True)
    serve([s for _, s in sockets])


if __name__ == "__main__":
    main()

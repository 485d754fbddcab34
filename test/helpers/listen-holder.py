"""A listener held by a program that is not the dashboard, for the LISTEN retune test.

Usage: python3 listen-holder.py
Listens on 127.0.0.1 (a free port) with keepalive never set on it, prints {"pid", "port", "inode"},
then for each connection it accepts prints {"event": "accepted", "peerPort", "keepalive"}: the
accepted socket's keepalive as its own getsockopt reads it, i.e. what it inherited from the
listener. Accepted sockets stay open (idle) until it exits, which it does when stdin closes.
"""
import json
import os
import select
import socket
import sys


def keepalive_of(s):
    opt = lambda level, name: s.getsockopt(level, name)
    return {
        "enabled": opt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
        "idleSec": opt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
        "intervalSec": opt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
        "count": opt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
        "userTimeoutMs": opt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
    }


def say(obj):
    print(json.dumps(obj), flush=True)


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    say({"pid": os.getpid(), "port": listener.getsockname()[1], "inode": os.fstat(listener.fileno()).st_ino})
    accepted = []
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready and not sys.stdin.readline():
            return
        if listener in ready:
            conn, peer = listener.accept()
            accepted.append(conn)
            say({"event": "accepted", "peerPort": peer[1], "keepalive": keepalive_of(conn)})


main()

"""A TCP socket whose only fd travels over a Unix socket (SCM_RIGHTS).

Prints {"localPort", "peerPort", "inode"} of the client end, then on stdin:
  send  - sendmsg() the client fd over a socketpair and close our copy: the
          socket now lives only in the kernel's queue, in no fd table (prints "sent");
  recv  - recvmsg() it back into this process's fd table (prints "received FD").
Exits when stdin closes.
"""
import json
import os
import socket
import sys

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
client = socket.create_connection(listener.getsockname())
accepted, _ = listener.accept()
left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
print(json.dumps({"localPort": client.getsockname()[1], "peerPort": listener.getsockname()[1], "inode": os.fstat(client.fileno()).st_ino}), flush=True)
received = None
for line in sys.stdin:
    command = line.strip()
    if command == "send":
        socket.send_fds(left, [b"x"], [client.fileno()])
        client.close()
        print("sent", flush=True)
    elif command == "recv":
        _, fds, _, _ = socket.recv_fds(right, 1, 1)
        received = fds[0]
        print(f"received {received}", flush=True)

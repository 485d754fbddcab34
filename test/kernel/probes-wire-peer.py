# One end of the probes-wire tests' connection, run inside a namespace.
#   server ADDR          listens on ADDR, prints {"port": P}, accepts one connection and holds it
#   client ADDR PORT     connects, prints {"localPort": L}, then obeys stdin lines:
#     send               5 bytes to the server (it reads them: they are ACKed)
#     keepalive I V C    SO_KEEPALIVE on with TCP_KEEPIDLE I, TCP_KEEPINTVL V, TCP_KEEPCNT C
#     off                SO_KEEPALIVE off (no probe after this)
#     info               prints {"probes": tcpi_probes} (unanswered probes, from tcp_info)
# Exits when stdin closes.
import json
import socket
import sys

role, addr = sys.argv[1], sys.argv[2]
if role == "server":
    listener = socket.create_server((addr, 0))
    print(json.dumps({"port": listener.getsockname()[1]}), flush=True)
    conn, _ = listener.accept()
    while conn.recv(4096):
        pass
    sys.exit(0)

conn = socket.create_connection((addr, int(sys.argv[3])))
print(json.dumps({"localPort": conn.getsockname()[1]}), flush=True)
for line in sys.stdin:
    words = line.split()
    if words[0] == "send":
        conn.sendall(b"hello")
    elif words[0] == "keepalive":
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, int(words[1]))
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, int(words[2]))
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, int(words[3]))
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    elif words[0] == "off":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0)
    elif words[0] == "info":
        # struct tcp_info: u8 state, ca_state, retransmits, probes, ...
        info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        print(json.dumps({"probes": info[3]}), flush=True)

/**
 * The two ends of a middlebox lab connection, as tiny python3 programs run
 * inside the client and server namespaces (`ip netns exec NS python3 -c …`):
 * the Node thread never changes namespace, and a socket held by a child is
 * retuned like any foreign socket (pidfd_getfd). Each speaks JSON lines on
 * stdout and exits when its stdin closes, so a crashed server leaves none behind.
 */

const COMMON = `
import errno, json, os, socket, sys, threading
lock = threading.Lock()
def say(**event):
    with lock:
        sys.stdout.write(json.dumps(event) + "\\n")
        sys.stdout.flush()
def code(e):
    return errno.errorcode.get(e.errno or 0, "EIO")
def exit_on_stdin_close():
    for _ in sys.stdin:
        pass
    os._exit(0)
`;

/** argv: bind address. Accepts one connection and reports every byte count received. */
export const SERVER_END = `${COMMON}
threading.Thread(target=exit_on_stdin_close, daemon=True).start()
listener = socket.socket()
listener.bind((sys.argv[1], 0))
listener.listen(1)
say(event="listening", port=listener.getsockname()[1])
conn, peer = listener.accept()
listener.close()
say(event="accepted", peer=list(peer))
try:
    while True:
        data = conn.recv(65536)
        if not data:
            say(event="closed", code=None)
            break
        say(event="received", bytes=len(data))
except OSError as e:
    say(event="closed", code=code(e))
os._exit(0)
`;

/**
 * argv: host, port, keepalive idle, interval, count (0 idle: keepalive off), TCP_USER_TIMEOUT ms (0: kernel default).
 * stdin: one JSON line per message ({"bytes": N}); stdout: connected, sent, closed (with the errno the socket got).
 */
export const CLIENT_END = `${COMMON}
host, port, idle, intvl, cnt, uto = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
s = socket.socket()
if uto:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, uto)
if idle:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, intvl)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cnt)
s.settimeout(10)
try:
    s.connect((host, port))
except OSError as e:
    say(event="closed", code=code(e) if e.errno else "ETIMEDOUT")
    os._exit(0)
s.settimeout(None)
say(event="connected", local=list(s.getsockname()), fd=s.fileno())
def reader():
    try:
        while True:
            if not s.recv(65536):
                say(event="closed", code=None)
                break
    except OSError as e:
        say(event="closed", code=code(e))
    os._exit(0)
threading.Thread(target=reader, daemon=True).start()
for line in sys.stdin:
    n = json.loads(line)["bytes"]
    try:
        s.sendall(b"m" * n)
        say(event="sent", bytes=n)
    except OSError as e:
        say(event="closed", code=code(e))
        os._exit(0)
os._exit(0)
`;

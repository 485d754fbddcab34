"""One process with sockets in two network namespaces: it moves itself between them with setns().

Run inside A: ip netns exec A python3 ns-mover.py --to B --keepalive IDLE,INTVL,CNT[,UTO_MS]
Opens a loopback keepalive pair in A, setns()es into B (/run/netns/B) and opens another there,
so its /proc/PID/ns/net is B while it still holds A's sockets. Prints one line
{"event": "READY", "pid", "sockets": [...]} (roles a-client, a-server, b-client, b-server; as
ns-holder.py describes them), then answers ns-holder.py's stdin commands (get / recv PORT).
"""
import argparse
import ctypes
import importlib.util
import json
import os
import pathlib

spec = importlib.util.spec_from_file_location("ns_holder", pathlib.Path(__file__).with_name("ns-holder.py"))
holder = importlib.util.module_from_spec(spec)
spec.loader.exec_module(holder)

CLONE_NEWNET = 0x40000000


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if hasattr(os, "setns"):  # Python >= 3.12
            os.setns(fd, CLONE_NEWNET)
        elif ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), path)
    finally:
        os.close(fd)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--to", required=True)
    parser.add_argument("--keepalive", required=True, type=lambda v: [int(x) for x in v.split(",")])
    args = parser.parse_args()
    taken = set()
    a_listener, a_client, a_accepted = holder.loopback_pair(args.keepalive, taken)
    # The listener would only add a third socket in A: the pair is what the test follows.
    a_listener.close()
    taken.update({a_client.getsockname()[1], a_accepted.getsockname()[1]})
    setns(f"/run/netns/{args.to}")
    b_listener, b_client, b_accepted = holder.loopback_pair(args.keepalive, taken)
    b_listener.close()
    sockets = [("a-client", a_client), ("a-server", a_accepted), ("b-client", b_client), ("b-server", b_accepted)]
    print(json.dumps({"event": "READY", "pid": os.getpid(), "sockets": [holder.describe(role, s) for role, s in sockets]}), flush=True)
    holder.serve([s for _, s in sockets])


if __name__ == "__main__":
    main()

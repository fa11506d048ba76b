"""Kernel speed: PolyICL's kernel next to ipykernel, measured the same way on this machine.

  - start: from process start to the first kernel_info_reply (median of several starts);
  - round trip: an execute_request with empty code, from send until the execute_reply and
    until the idle status on iopub (median and 90th percentile of a few hundred);
  - idle RSS: resident memory of the kernel process when idle after the runs.

Usage: .venv/bin/python scripts/bench_kernel.py [--runs 300] [--starts 5]
(POLYICL_BIN picks the binary; default .build/release/polyicl.)
"""
import argparse
import hashlib
import hmac
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import zmq

ROOT = pathlib.Path(__file__).resolve().parent.parent


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Client:
    """A minimal client: DEALER on shell, SUB on iopub, messages signed by hand."""

    def __init__(self, ctx, ports, key):
        self.key = key
        self.shell = ctx.socket(zmq.DEALER)
        self.iopub = ctx.socket(zmq.SUB)
        for s in (self.shell, self.iopub):
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.RECONNECT_IVL, 1)  # measure the kernel, not the retry interval
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.shell.connect(f"tcp://127.0.0.1:{ports['shell_port']}")
        self.iopub.connect(f"tcp://127.0.0.1:{ports['iopub_port']}")

    def send(self, msg_type, content):
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "session": "bench", "username": "bench", "date": "2026-01-01T00:00:00Z",
                  "msg_type": msg_type, "version": "5.4"}
        parts = [json.dumps(x).encode() for x in (header, {}, {}, content)]
        h = hmac.new(self.key, digestmod=hashlib.sha256)
        for p in parts:
            h.update(p)
        self.shell.send_multipart([b"<IDS|MSG>", h.hexdigest().encode()] + parts)
        return msg_id

    def reply(self, msg_id):
        while True:
            frames = self.shell.recv_multipart()
            i = frames.index(b"<IDS|MSG>")
            if json.loads(frames[i + 3]).get("msg_id") == msg_id:
                return

    def idle(self, msg_id):
        while True:
            frames = self.iopub.recv_multipart()
            i = frames.index(b"<IDS|MSG>")
            if json.loads(frames[i + 2])["msg_type"] == "status" and json.loads(frames[i + 3]).get("msg_id") == msg_id \
                    and json.loads(frames[i + 5])["execution_state"] == "idle":
                return


def start_kernel(argv_template, ctx):
    ports = dict(zip(["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"], free_ports(5)))
    key = uuid.uuid4().hex
    conn = dict(ports, ip="127.0.0.1", key=key, transport="tcp", signature_scheme="hmac-sha256", kernel_name="bench")
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(conn, f)
    client = Client(ctx, ports, key.encode())
    argv = [a.replace("{connection_file}", path) for a in argv_template]
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    msg_id = client.send("kernel_info_request", {})
    client.reply(msg_id)
    startup = time.perf_counter() - t0
    return proc, client, path, startup


def stop_kernel(proc, client, path):
    client.send("shutdown_request", {"restart": False})  # on shell: both kernels accept it there
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    client.shell.close()
    client.iopub.close()
    os.unlink(path)


def rss_mib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(name, argv, runs, starts, ctx):
    startups = []
    for _ in range(starts):
        proc, client, path, startup = start_kernel(argv, ctx)
        startups.append(startup)
        stop_kernel(proc, client, path)
    proc, client, path, _ = start_kernel(argv, ctx)
    time.sleep(0.5)  # let the iopub subscription settle
    for _ in range(20):  # warm-up
        msg_id = client.send("execute_request", {"code": "", "silent": False, "store_history": True})
        client.reply(msg_id)
        client.idle(msg_id)
    to_reply, to_idle = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        msg_id = client.send("execute_request", {"code": "", "silent": False, "store_history": True})
        client.reply(msg_id)
        t1 = time.perf_counter()
        client.idle(msg_id)
        t2 = time.perf_counter()
        to_reply.append(t1 - t0)
        to_idle.append(t2 - t0)
    time.sleep(0.5)
    rss = rss_mib(proc.pid)
    stop_kernel(proc, client, path)
    q90 = lambda xs: statistics.quantiles(xs, n=10)[-1]
    return {
        "kernel": name,
        "start_s": statistics.median(startups),
        "reply_ms": statistics.median(to_reply) * 1e3,
        "reply_p90_ms": q90(to_reply) * 1e3,
        "idle_ms": statistics.median(to_idle) * 1e3,
        "idle_p90_ms": q90(to_idle) * 1e3,
        "rss_mib": rss,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    binary = os.environ.get("POLYICL_BIN", str(ROOT / ".build/release/polyicl"))
    ctx = zmq.Context()
    rows = [
        measure("polyicl", [binary, "kernel", "-f", "{connection_file}"], args.runs, args.starts, ctx),
        measure("ipykernel", [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], args.runs, args.starts, ctx),
    ]
    print(f"{'kernel':<10} {'start (s)':>10} {'reply ms (p50/p90)':>20} {'idle ms (p50/p90)':>19} {'idle RSS (MiB)':>15}")
    for r in rows:
        print(f"{r['kernel']:<10} {r['start_s']:>10.3f} {r['reply_ms']:>11.3f} /{r['reply_p90_ms']:>7.3f} "
              f"{r['idle_ms']:>10.3f} /{r['idle_p90_ms']:>7.3f} {r['rss_mib']:>15.1f}")
    ctx.term()


if __name__ == "__main__":
    main()

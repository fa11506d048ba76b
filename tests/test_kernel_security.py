"""Forged, replayed and malformed traffic sent with raw pyzmq: the kernel drops it (or
answers with an error reply) and keeps serving valid requests."""
import json
import random

import pytest
import zmq
from jupyter_client.manager import start_new_kernel

import kernel_fixtures
from kernel_fixtures import parse_reply, sign, wire_message

TIMEOUT = 15


@pytest.fixture
def kernel():
    km, kc = start_new_kernel(kernel_name=kernel_fixtures.KERNEL_NAME, startup_timeout=TIMEOUT)
    ctx = zmq.Context()
    sockets = []

    def connect(port):
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(f"tcp://{km.ip}:{port}")
        sockets.append(s)
        return s

    yield km, kc, connect
    for s in sockets:
        s.close()
    ctx.term()
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def key_of(km) -> bytes:
    return km.session.key


def receive(sock, timeout_ms):
    if sock.poll(timeout_ms):
        return sock.recv_multipart()
    return None


def assert_kernel_answers(km, connect):
    """kernel_info and an execute still answered correctly, over a fresh connection."""
    sock = connect(km.shell_port)
    sock.send_multipart(wire_message(key_of(km), "kernel_info_request", {}))
    reply = receive(sock, TIMEOUT * 1000)
    assert reply is not None, "no kernel_info_reply"
    info = parse_reply(reply)
    assert info["header"]["msg_type"] == "kernel_info_reply"
    assert info["content"]["language_info"]["name"] == "polyicl"
    sock.send_multipart(wire_message(key_of(km), "execute_request", {"code": "6\n7", "silent": False}))
    reply = parse_reply(receive(sock, TIMEOUT * 1000))
    assert reply["header"]["msg_type"] == "execute_reply"
    assert reply["content"]["status"] == "ok", reply["content"]


def test_forged_signature_is_ignored(kernel):
    km, _, connect = kernel
    sock = connect(km.shell_port)
    forged = wire_message(b"not-the-key", "kernel_info_request", {})
    sock.send_multipart(forged)
    unsigned = wire_message(key_of(km), "kernel_info_request", {})
    unsigned[1] = b""
    sock.send_multipart(unsigned)
    assert receive(sock, 1000) is None
    assert_kernel_answers(km, connect)


def test_replayed_message_is_ignored(kernel):
    km, _, connect = kernel
    sock = connect(km.shell_port)
    frames = wire_message(key_of(km), "kernel_info_request", {})
    sock.send_multipart(frames)
    assert receive(sock, TIMEOUT * 1000) is not None
    sock.send_multipart(frames)
    assert receive(sock, 1000) is None
    # Also on the control channel: the replay set is the kernel's, not one socket's.
    control = connect(km.control_port)
    control.send_multipart(frames)
    assert receive(control, 1000) is None
    assert_kernel_answers(km, connect)


def test_wrong_content_types_get_error_replies(kernel):
    km, _, connect = kernel
    sock = connect(km.shell_port)
    for msg_type, content in [
        ("execute_request", {"code": 42}),
        ("complete_request", {"code": "pri", "cursor_pos": 99}),
        ("inspect_request", {"code": None}),
        ("history_request", {"hist_access_type": "sideways"}),
    ]:
        sock.send_multipart(wire_message(key_of(km), msg_type, content))
        reply = parse_reply(receive(sock, TIMEOUT * 1000))
        assert reply["header"]["msg_type"] == msg_type.replace("_request", "_reply")
        assert reply["content"]["status"] == "error"
        assert reply["content"]["evalue"]
    assert_kernel_answers(km, connect)


SAFE_CODES = ["42", '"x"', 'print "a"', "x = 1", "", "[", "clear", "help", "undefined", "\u00e9\u6f22", "\x00\x01"]
MSG_TYPES = ["kernel_info_request", "execute_request", "complete_request", "inspect_request",
             "is_complete_request", "history_request", "comm_info_request", "interrupt_request",
             "bogus_request", "", "execute_reply"]


def mutated_message(rng, key):
    """One malformed or strange message. Half are correctly signed, so that they get past
    the signature check and exercise the JSON and content checks."""
    msg_type = rng.choice(MSG_TYPES)
    content = {
        "code": rng.choice(SAFE_CODES + [None, 3, [], {}]),
        "cursor_pos": rng.choice([0, 1, -5, 10**12, "3", None, 2.5]),
        "silent": rng.choice([False, True, "yes", None]),
        "stop_on_error": rng.choice([False, True, 0]),
        "hist_access_type": rng.choice(["tail", "range", "search", 7]),
        "n": rng.choice([1, -1, 10**9, "x"]),
        "pattern": rng.choice(["*", "[", 5]),
        "detail_level": rng.choice([0, 1, "a"]),
    }
    frames = wire_message(key, msg_type, content)
    kind = rng.randrange(12)
    if kind == 0:  # flip random bytes anywhere (signature then fails, or framing breaks)
        i = rng.randrange(len(frames))
        f = bytearray(frames[i])
        for _ in range(rng.randint(1, 4)):
            if f:
                f[rng.randrange(len(f))] = rng.randrange(256)
        frames[i] = bytes(f)
    elif kind == 1:  # drop frames
        for _ in range(rng.randint(1, 4)):
            frames.pop(rng.randrange(len(frames)))
    elif kind == 2:  # no delimiter
        frames = frames[1:]
    elif kind == 3:  # extra routing ids and buffers
        frames = [b"id"] * rng.randint(1, 5) + frames + [b"buf"] * rng.randint(0, 3)
    elif kind in (4, 5):  # signed garbage in one JSON part
        parts = frames[2:6]
        garbage = rng.choice([b"", b"{", b"[]", b"null", b'{"msg_type": 1}', bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))),
                              b"[" * 5000, b'{"a":"\\ud800"}', b"\xff\xfe", b'"' + b"\xc3" + b'"'])
        parts[rng.randrange(4)] = garbage
        frames = [b"<IDS|MSG>", sign(key, parts)] + parts
    elif kind == 6:  # signed, header missing fields
        parts = frames[2:6]
        parts[0] = json.dumps({"msg_type": msg_type}).encode()
        frames = [b"<IDS|MSG>", sign(key, parts)] + parts
    elif kind == 7:  # signature of the wrong length or case
        frames[1] = rng.choice([frames[1][:10], frames[1].upper(), frames[1] + b"00", b"x" * 64])
    elif kind == 8:  # a big frame (bounded so the test stays fast)
        frames.append(b"\x00" * rng.choice([1 << 16, 1 << 20]))
    elif kind == 9:  # many empty frames
        frames = [b""] * rng.randint(1, 20)
    # kinds 10, 11: the signed message as built (strange but well-formed content)
    return frames or [b""]  # ZeroMQ cannot send a message with no frames


def test_fuzz_thousands_of_mutated_messages(kernel):
    km, _, connect = kernel
    rng = random.Random(20261123)
    key = key_of(km)
    shell = connect(km.shell_port)
    control = connect(km.control_port)
    count = 3000
    for i in range(count):
        sock = control if i % 5 == 0 else shell
        sock.send_multipart(mutated_message(rng, key))
        # Drain replies as we go so no queue grows without bound.
        while shell.poll(0):
            shell.recv_multipart()
        while control.poll(0):
            control.recv_multipart()
    # Wait until the shell thread has worked through the fuzz: a signed execute_request in
    # it may fail with stop_on_error and would abort the check's execute queued behind it.
    sync = wire_message(key, "kernel_info_request", {})
    sync_id = json.loads(sync[2])["msg_id"]
    shell.send_multipart(sync)
    while True:
        frames = receive(shell, TIMEOUT * 1000)
        assert frames is not None, "the kernel stopped answering on shell during the fuzz"
        if b"<IDS|MSG>" in frames and parse_reply(frames)["parent_header"].get("msg_id") == sync_id:
            break
    # Garbage on the heartbeat socket too (a DEALER sends frames REP does not expect).
    hb_garbage = connect(km.hb_port)
    for _ in range(200):
        hb_garbage.send_multipart([bytes(rng.randrange(256) for _ in range(rng.randint(0, 32))) for _ in range(rng.randint(1, 4))])
    assert_kernel_answers(km, connect)
    hb = zmq.Context.instance().socket(zmq.REQ)
    hb.setsockopt(zmq.LINGER, 0)
    hb.connect(f"tcp://{km.ip}:{km.hb_port}")
    try:
        hb.send(b"ping")
        assert hb.poll(TIMEOUT * 1000) and hb.recv() == b"ping"
    finally:
        hb.close()
    assert km.is_alive()


def test_empty_key_disables_signing_with_a_warning(tmp_path):
    import socket
    import subprocess

    holders = [socket.socket() for _ in range(5)]
    for h in holders:
        h.bind(("127.0.0.1", 0))
    ports = [h.getsockname()[1] for h in holders]
    for h in holders:
        h.close()
    names = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"]
    conn = dict(zip(names, ports), ip="127.0.0.1", key="", transport="tcp", signature_scheme="hmac-sha256")
    path = tmp_path / "connection.json"
    path.write_text(json.dumps(conn))
    proc = subprocess.Popen([kernel_fixtures.BIN, "kernel", "-f", str(path)], stderr=subprocess.PIPE, text=True)
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"tcp://127.0.0.1:{conn['shell_port']}")
    try:
        frames = wire_message(b"", "kernel_info_request", {})
        frames[1] = b""  # unsigned, as clients send with an empty key
        sock.send_multipart(frames)
        reply = receive(sock, TIMEOUT * 1000)
        assert reply is not None
        assert reply[reply.index(b"<IDS|MSG>") + 1] == b""  # replies are unsigned too
        shutdown = wire_message(b"", "shutdown_request", {"restart": False})
        shutdown[1] = b""
        sock.send_multipart(shutdown)
        assert proc.wait(timeout=10) == 0
        assert "key is empty" in proc.stderr.read()
    finally:
        sock.close()
        ctx.term()
        if proc.poll() is None:
            proc.kill()

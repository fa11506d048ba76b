"""The kernel driven by jupyter_client's KernelManager and BlockingKernelClient."""
import json
import signal
import subprocess
import time

import pytest
import zmq
from jupyter_client.manager import KernelManager, start_new_kernel

import kernel_fixtures

TIMEOUT = 15


@pytest.fixture
def kernel():
    km, kc = start_new_kernel(kernel_name=kernel_fixtures.KERNEL_NAME, startup_timeout=TIMEOUT)
    yield km, kc
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)


def run(kc, code, **kwargs):
    """Executes code; returns (reply content, [(msg_type, content) of iopub outputs])."""
    outputs = []
    reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=outputs.append, **kwargs)
    return reply["content"], [
        (m["msg_type"], m["content"]) for m in outputs if m["msg_type"] not in ("status", "execute_input")
    ]


def wait_for_iopub(kc, msg_type, parent_id):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == msg_type and msg["parent_header"].get("msg_id") == parent_id:
            return msg
    raise AssertionError(f"no {msg_type} for {parent_id}")


def test_execute_round_trip_and_outputs(kernel):
    _, kc = kernel
    reply, outputs = run(kc, 'print "hello, world"')
    assert reply["status"] == "ok"
    assert outputs == [("stream", {"name": "stdout", "text": "hello, world\n"})]

    reply, outputs = run(kc, "x = 3\nx")
    assert outputs == [("execute_result", {"execution_count": reply["execution_count"], "data": {"text/plain": "3"}, "metadata": {}})]

    reply, outputs = run(kc, 'display "<b>hi</b>"')
    assert outputs[0][0] == "display_data"
    # The plain-text copy of HTML is its text without tags.
    assert outputs[0][1]["data"] == {"text/html": "<b>hi</b>", "text/plain": "hi"}

    reply, outputs = run(kc, "progress 5")
    types = [t for t, _ in outputs]
    assert types == ["display_data"] + ["update_display_data"] * 5
    ids = {c["transient"]["display_id"] for _, c in outputs}
    assert len(ids) == 1 and ids != {""}
    assert outputs[-1][1]["data"]["text/plain"].endswith(" 5/5 (100%)")

    reply, outputs = run(kc, "help print")
    assert reply["payload"][0]["source"] == "page"
    assert "print" in reply["payload"][0]["data"]["text/plain"]

    reply, outputs = run(kc, "undefined_command")
    assert reply["status"] == "error" and reply["ename"] == "UnknownCommand"
    assert [t for t, _ in outputs] == ["error"]


def test_execution_count_silent_and_store_history(kernel):
    _, kc = kernel
    first, _ = run(kc, "1")
    second, _ = run(kc, "2", store_history=False)
    assert second["execution_count"] == first["execution_count"]
    reply, outputs = run(kc, 'print "quiet"\n5', silent=True)
    assert reply["status"] == "ok" and outputs == []
    third, _ = run(kc, "3")
    assert third["execution_count"] == first["execution_count"] + 1


def interrupt_during_sleep(km, kc, interrupt):
    msg_id = kc.execute("z = 11\nsleep 30")
    wait_for_iopub(kc, "execute_input", msg_id)
    time.sleep(0.2)  # let the cell reach its sleep; the assertion below does not depend on timing
    interrupt()
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    assert reply["content"]["evalue"].startswith("Interrupted")
    error = wait_for_iopub(kc, "error", msg_id)
    assert error["content"]["ename"] == "Interrupted"
    # The kernel survives with its state, and the next cell runs.
    _, outputs = run(kc, "z")
    assert outputs[0][1]["data"]["text/plain"] == "11"
    assert km.is_alive()


def test_interrupt_by_message(kernel):
    km, kc = kernel
    assert km.kernel_spec.interrupt_mode == "message"
    interrupt_during_sleep(km, kc, km.interrupt_kernel)


def test_interrupt_by_signal(kernel):
    km, kc = kernel
    interrupt_during_sleep(km, kc, lambda: km.signal_kernel(signal.SIGINT))


def test_sigint_while_idle_is_harmless(kernel):
    km, kc = kernel
    run(kc, "w = 5")
    km.signal_kernel(signal.SIGINT)
    time.sleep(0.2)
    assert km.is_alive()
    _, outputs = run(kc, "w")
    assert outputs[0][1]["data"]["text/plain"] == "5"


def test_heartbeat_answered_during_long_cell(kernel):
    km, kc = kernel
    msg_id = kc.execute("sleep 3")
    wait_for_iopub(kc, "execute_input", msg_id)
    ctx = zmq.Context.instance()
    hb = ctx.socket(zmq.REQ)
    hb.setsockopt(zmq.LINGER, 0)
    hb.connect(f"tcp://{km.ip}:{km.hb_port}")
    try:
        for i in range(3):
            hb.send(b"ping %d" % i)
            assert hb.poll(2000), "heartbeat not answered while a cell runs"
            assert hb.recv() == b"ping %d" % i
        # The cell is still running: no reply yet.
        assert kc.shell_channel.msg_ready() is False
    finally:
        hb.close()
    km.interrupt_kernel()
    assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["status"] == "error"


def test_stop_on_error_aborts_queued_cells(kernel):
    _, kc = kernel
    # The language checks a whole cell before running any of it, so a failing cell fails
    # at once; a sleeping cell before it makes sure the requests after it are queued.
    busy = kc.execute("sleep 0.5")
    failing = kc.execute("undefined_command")
    queued = [kc.execute("q = 1"), kc.execute('print "never"')]
    info = kc.kernel_info()  # queued too, but not an execution: still answered
    replies = {}
    while len(replies) < 5:
        msg = kc.get_shell_msg(timeout=TIMEOUT)
        replies[msg["parent_header"]["msg_id"]] = msg["content"]
    assert replies[busy]["status"] == "ok"
    assert replies[failing]["ename"] == "UnknownCommand"
    assert replies[info]["status"] == "ok" and replies[info]["language_info"]["name"] == "polyicl"
    for msg_id in queued:
        assert replies[msg_id]["status"] == "error"
        assert replies[msg_id]["ename"] == "ExecutionAborted"
    reply, _ = run(kc, "q")
    assert reply["ename"] == "UnknownCommand"  # q = 1 never ran


def test_stop_on_error_false_keeps_queued_cells(kernel):
    _, kc = kernel
    busy = kc.execute("sleep 0.3")
    failing = kc.execute("undefined_command", stop_on_error=False)
    queued = kc.execute("r = 2")
    replies = {}
    while len(replies) < 3:
        msg = kc.get_shell_msg(timeout=TIMEOUT)
        replies[msg["parent_header"]["msg_id"]] = msg["content"]
    assert replies[busy]["status"] == "ok"
    assert replies[failing]["status"] == "error"
    assert replies[queued]["status"] == "ok"


def shutdown_and_wait(km, kc, restart):
    process = km.provisioner.process
    msg_id = kc.shutdown(restart=restart)
    reply = kc.control_channel.get_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"] == {"status": "ok", "restart": restart}
    assert process.wait(timeout=5) == 0


def test_shutdown_mid_cell_exits_cleanly(kernel):
    km, kc = kernel
    msg_id = kc.execute("sleep 30")
    wait_for_iopub(kc, "execute_input", msg_id)
    shutdown_and_wait(km, kc, restart=False)


def test_shutdown_when_idle_with_restart_flag(kernel):
    km, kc = kernel
    shutdown_and_wait(km, kc, restart=True)


def test_restart_gives_a_fresh_kernel():
    km = KernelManager(kernel_name=kernel_fixtures.KERNEL_NAME)
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=TIMEOUT)
        run(kc, "v = 9")
        kc.stop_channels()
        old_pid = km.provisioner.pid
        km.restart_kernel(now=False)
        assert km.provisioner.pid != old_pid
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=TIMEOUT)
        reply, _ = run(kc, "v")
        assert reply["ename"] == "UnknownCommand"
        assert reply["execution_count"] == 1  # the count starts again too
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=False)
    assert km.provisioner is None or not km.is_alive()


@pytest.mark.parametrize(
    "contents, expected",
    [
        ('{"ip": "127.0.0.1", "key": "k", "transport": "tcp"}', "missing field"),
        ('{"shell_port": 99999, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5, "ip": "127.0.0.1", "key": "k"}', "shell_port"),
        ('{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5, "ip": "127.0.0.1", "key": "k", "signature_scheme": "hmac-md5"}', "hmac-md5"),
        ("not json", "not valid JSON"),
    ],
)
def test_bad_connection_file_is_a_clear_error(tmp_path, contents, expected):
    path = tmp_path / "connection.json"
    path.write_text(contents)
    result = subprocess.run([kernel_fixtures.BIN, "kernel", "-f", str(path)], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode != 0
    assert expected in result.stderr
    assert str(path) in result.stderr


def test_missing_connection_file_is_a_clear_error(tmp_path):
    path = tmp_path / "absent.json"
    result = subprocess.run([kernel_fixtures.BIN, "kernel", "-f", str(path)], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode != 0
    assert "cannot be read" in result.stderr


def test_installed_kernelspec():
    spec = json.loads((kernel_fixtures.KERNELSPEC_DIR / "kernel.json").read_text())
    assert spec["argv"][1:] == ["kernel", "-f", "{connection_file}"]
    assert spec["argv"][0].startswith("/")
    assert spec["display_name"] == "PolyICL" and spec["language"] == "polyicl"
    # The logos are the committed files, byte for byte (the binary embeds them).
    for name in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        assert (kernel_fixtures.KERNELSPEC_DIR / name).read_bytes() == (kernel_fixtures.ROOT / "kernelspec" / name).read_bytes()
    listing = subprocess.run(
        [str(kernel_fixtures.ROOT / ".venv/bin/jupyter"), "kernelspec", "list", "--json"],
        capture_output=True, text=True, check=True,
    )
    assert kernel_fixtures.KERNEL_NAME in json.loads(listing.stdout)["kernelspecs"]


def test_complete_counts_unicode_code_points(kernel):
    _, kc = kernel
    code = 'x = "日本😀"\npri'
    kc.complete(code, len(code))  # Python's len counts code points, as the protocol does
    reply = kc.get_shell_msg(timeout=TIMEOUT)["content"]
    assert reply["matches"] == ["print"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (len(code) - 3, len(code))


def test_inspect_and_is_complete(kernel):
    _, kc = kernel
    kc.inspect("sleep 3", 2)
    reply = kc.get_shell_msg(timeout=TIMEOUT)["content"]
    assert reply["found"] and "sleep" in reply["data"]["text/plain"]
    kc.inspect("nothing_here", 3)
    assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["found"] is False
    kc.is_complete("print [1,")
    assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["status"] == "incomplete"


def test_control_answers_while_a_cell_runs(kernel):
    km, kc = kernel
    msg_id = kc.execute("sleep 30")
    wait_for_iopub(kc, "execute_input", msg_id)
    # kernel_info on the control channel, answered while the shell thread is busy.
    control_msg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(control_msg)
    reply = kc.control_channel.get_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == control_msg["header"]["msg_id"]
    assert reply["content"]["status"] == "ok"
    assert not kc.shell_channel.msg_ready()  # the cell is still running
    km.interrupt_kernel()
    assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["ename"] == "Interrupted"


def test_history_tail_range_search(kernel):
    _, kc = kernel
    for code in ["a = 1", "42", "print \"x\"", "42"]:
        run(kc, code)
    kc.history(hist_access_type="tail", n=2, output=True, raw=True)
    tail = kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"]
    assert [row[2] for row in tail] == [["print \"x\"", None], ["42", "42"]]
    kc.history(hist_access_type="search", pattern="4*", unique=True, raw=True, output=False)
    assert [row[2] for row in kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"]] == ["42"]
    kc.history(hist_access_type="range", session=0, start=1, stop=3, raw=True, output=False)
    assert [row[2] for row in kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"]] == ["a = 1", "42"]

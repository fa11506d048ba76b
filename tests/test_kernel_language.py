"""The real command language through the kernel: errors as Jupyter shows them, the
session surviving them, and completion of session names."""
import pytest
from jupyter_client.manager import start_new_kernel

import kernel_fixtures

TIMEOUT = 15


@pytest.fixture
def kc(tmp_path):
    # The kernel's working directory is a scratch directory: commands resolve files there.
    km, client = start_new_kernel(kernel_name=kernel_fixtures.KERNEL_NAME, startup_timeout=TIMEOUT, cwd=str(tmp_path))
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def run(kc, code):
    outputs = []
    reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=outputs.append)
    return reply["content"], [(m["msg_type"], m["content"]) for m in outputs if m["msg_type"] not in ("status", "execute_input")]


def complete(kc, code, cursor=None):
    kc.complete(code, len(code) if cursor is None else cursor)
    return kc.get_shell_msg(timeout=TIMEOUT)["content"]


def test_unknown_key_is_one_error_with_line_caret_and_suggestion(kc):
    reply, outputs = run(kc, "kept = 5")
    assert reply["status"] == "ok"

    # Line 2, the key `strem` starts after `print "a" ` (10 characters): column 11.
    cell = 'fresh = 3\nprint "a" strem=stderr'
    reply, outputs = run(kc, cell)
    assert reply["status"] == "error" and reply["ename"] == "UnknownKey"
    assert [t for t, _ in outputs] == ["error"], "nothing of the cell may run before its error"
    error = outputs[0][1]
    assert error["ename"] == "UnknownKey"
    assert "strem" in error["evalue"] and "line 2, column 11" in error["evalue"]
    # Frontends join the traceback lines with newlines in a monospaced block.
    assert error["traceback"] == [
        "UnknownKey at line 2, column 11: print has no key `strem`",
        '  2 | print "a" strem=stderr',
        "    |           ^~~~~",
        "  did you mean `stream`?",
    ]
    assert reply["traceback"] == error["traceback"]
    caret_line = error["traceback"][2]
    assert caret_line.index("^") == error["traceback"][1].index("strem")

    # The session survives: what it held stays, the failed cell stored nothing, and the
    # next cell runs.
    reply, outputs = run(kc, "kept")
    assert reply["status"] == "ok"
    assert outputs == [("execute_result", {"execution_count": reply["execution_count"], "data": {"text/plain": "5"}, "metadata": {}})]
    reply, _ = run(kc, "fresh")
    assert reply["ename"] == "UnknownCommand"
    reply, outputs = run(kc, 'print "ok"')
    assert outputs == [("stream", {"name": "stdout", "text": "ok\n"})]


def test_completion_offers_session_names(kc):
    assert "x" not in complete(kc, "x")["matches"]
    run(kc, "x = 3")
    reply = complete(kc, "x")
    assert reply["status"] == "ok" and "x" in reply["matches"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (0, 1)

    run(kc, "xval = 3")
    reply = complete(kc, "print xv")
    assert reply["matches"] == ["xval"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (6, 8)
    # Cursor in the middle of a cell, after a non-ASCII string (code points, not bytes).
    code = 'print "é☺" xv\nprint "z"'
    reply = complete(kc, code, cursor=len('print "é☺" xv'))
    assert reply["matches"] == ["xval"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (11, 13)


def test_kernel_info_names_the_language(kc):
    kc.kernel_info()
    info = kc.get_shell_msg(timeout=TIMEOUT)["content"]
    assert info["language_info"]["name"] == "polyicl"
    assert info["language_info"]["file_extension"] == ".icl"
    assert info["language_info"]["mimetype"] == "text/x-polyicl"
    # The Pygments lexer of python/ (polyicl-jupyter), and a mode JupyterLab ships.
    assert info["language_info"]["pygments_lexer"] == "polyicl"
    assert info["language_info"]["codemirror_mode"] == "python"
    assert info["implementation"] == "polyicl"


def test_help_is_a_page_payload_not_an_output(kc):
    reply, outputs = run(kc, "help sleep")
    assert reply["status"] == "ok" and outputs == []
    [page] = reply["payload"]
    assert page["source"] == "page" and "sleep" in page["data"]["text/plain"]

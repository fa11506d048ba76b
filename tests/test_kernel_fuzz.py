"""Seeded fuzzing of the kernel with random cells through execute_request: every cell is
answered (ok or error, never silence or a crash), and afterwards the kernel still runs
`print "ok"`. The cells mix the language's own words (commands, keys, values, names,
brackets, strings) with stray characters, so they reach the checker and the commands,
not only the lexer."""
import random

import pytest
from jupyter_client.manager import start_new_kernel

import kernel_fixtures

SEED = 20261123
CELLS = 300
# A command that legitimately runs long (sleep 30, a large progress) is interrupted after
# this long; the interrupt must still be answered.
PATIENCE = 10
TIMEOUT = 15

WORDS = [
    "print", "display", "progress", "clear", "help", "sleep", "list", "delete", "model", "task",
    "train", "eval", "plot", "table", "show", "save", "load", "export",
    "stream", "stderr", "stdout", "as", "markdown", "delay", "wait", "kind", "format", "steps",
    "on", "samples", "context", "scale", "digits", "title", "intervals", "degree", "true", "false",
    "x", "y", "base", "poly", "ev", "undefined_name", "日本", "é", "_",
]
VALUES = ["0", "1", "2", "-1", "0.05", "1e3", "1e309", "3..5", "-1..1", "1..", '"a"', '"<b>x</b>"',
          '""', '"\\n"', '"unterminated', "[1, 2]", "[]", "(", ")", "[", "]"]
SYMBOLS = ["=", "==", ",", ".", "..", "#", " # comment", "\\", "\t", "\r\n", "\n", "\n\n", "@", "$",
           "😀", "\u200b", "\x00", "{", "}", ":", ";", "-", "+", "*"]


# Valid statements of the language; mutated by a character or a token, they probe the
# checker's messages near correct input, where most typing mistakes are.
VALID = [
    'print "hello, world"', 'print "loss is high" stream=stderr', 'print "steps:" 20000', "x = 3", "x",
    'display "<b>hi</b>"', 'display "# Results" as=markdown', "progress 5", "progress 3 delay=0.01",
    "clear", "clear wait=true", "help", "help train", "help format=markdown", "list", "list kind=model",
    "delete x", "sleep 0.01", "y = [1, 2, 3]", "base = model preset=standard seed=1",
    "mini = model layers=2 heads=2 dim=32 points=41", "poly = task chebyshev degree=0..11",
    "deg5 = task chebyshev degree=5 fixed=3 noise=0.5", "lin = task linear dim=5 xshift=1",
    "train base on=poly steps=20000 batch=64 lr=1e-4 curriculum=5..81 every=2000 seed=1",
    "ev = eval base on=deg5 points=31 samples=1280 baselines=[lstsq, ridge(0.2), zero]",
    "plot ev scale=linear intervals=false title=\"degree 5\"", "table ev digits=3", "show poly samples=4",
]


def mutated_statement(rng: random.Random) -> str:
    text = rng.choice(VALID)
    for _ in range(rng.randint(0, 2)):
        i = rng.randint(0, len(text))
        action = rng.randrange(4)
        if action == 0 and text:  # delete a character
            i = min(i, len(text) - 1)
            text = text[:i] + text[i + 1:]
        elif action == 1:  # insert a character the language uses
            text = text[:i] + rng.choice('=[](),."# \n\t-.0e9xé😀') + text[i:]
        elif action == 2:  # insert a word or value
            text = text[:i] + rng.choice(WORDS + VALUES) + text[i:]
        # action 3: keep the statement valid
    return text


def random_cell(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return "\n".join(mutated_statement(rng) for _ in range(rng.randint(1, 3)))
    parts = []
    for _ in range(rng.randint(0, 12)):
        pool = rng.choices([WORDS, VALUES, SYMBOLS], weights=[5, 3, 2])[0]
        token = rng.choice(pool)
        if pool is WORDS and rng.random() < 0.3:
            # A word followed by a key=value pair, the language's usual shape.
            token += f" {rng.choice(WORDS)}={rng.choice(VALUES)}"
        parts.append(token)
        parts.append(rng.choice([" ", " ", "", "\n"]))
    if rng.random() < 0.05:
        # Some raw noise: random code points, including surrogate-free astral ones.
        parts.append("".join(chr(rng.choice([rng.randint(1, 0x7F), rng.randint(0x80, 0xD7FF), rng.randint(0x10000, 0x1FFFF)])) for _ in range(rng.randint(1, 40))))
    return "".join(parts)


@pytest.fixture
def kernel(tmp_path):
    # A scratch working directory: random `save`/`export` cells must not write into the repository.
    km, kc = start_new_kernel(kernel_name=kernel_fixtures.KERNEL_NAME, startup_timeout=TIMEOUT, cwd=str(tmp_path))
    yield km, kc
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)


def execute(km, kc, code):
    """The execute_reply of `code`, interrupting the cell if it runs longer than PATIENCE."""
    msg_id = kc.execute(code, stop_on_error=False)
    interrupted = False
    while True:
        try:
            reply = kc.get_shell_msg(timeout=TIMEOUT if interrupted else PATIENCE)
        except Exception:
            assert not interrupted, f"no reply even after an interrupt for cell {code[:80]!r}"
            km.interrupt_kernel()
            interrupted = True
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


# Extremes random cells rarely reach: deep nesting (once a stack overflow that killed
# the kernel), a very long line, many lines, many errors in one cell.
EXTREME_CELLS = [
    "y = " + "[" * 20_000 + "]" * 20_000,
    "y = " + "[" * 20_000,
    "print " + "f(" * 5_000 + "1" + ")" * 5_000,
    "]" * 10_000,
    'print "' + "x" * 200_000 + '"',
    "\n".join(f"v{i} = {i}" for i in range(2_000)),
    "\n".join("pirnt 1" for _ in range(500)),
]


def test_extreme_cells_are_answered(kernel):
    km, kc = kernel
    for code in EXTREME_CELLS:
        content = execute(km, kc, code)
        assert content["status"] in ("ok", "error"), f"{code[:40]!r}...: {content}"
        assert len(content.get("traceback", [])) < 100, f"{code[:40]!r}...: a traceback of {len(content['traceback'])} lines"
        assert km.is_alive(), f"the kernel died on {code[:40]!r}..."
        for request in (kc.complete, kc.inspect):
            request(code, len(code) // 2)
            assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["status"] == "ok"
    outputs = []
    reply = kc.execute_interactive("v1999", timeout=TIMEOUT, output_hook=outputs.append)
    assert reply["content"]["status"] == "ok"
    assert [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"] == ["1999"]


def test_random_cells_are_all_answered(kernel):
    km, kc = kernel
    rng = random.Random(SEED)
    statuses = {"ok": 0, "error": 0}
    for i in range(CELLS):
        code = random_cell(rng)
        content = execute(km, kc, code)
        assert content["status"] in ("ok", "error"), f"cell {i} {code!r}: {content}"
        if content["status"] == "error":
            assert content["ename"] and isinstance(content["traceback"], list), f"cell {i} {code!r}: {content}"
        statuses[content["status"]] += 1
        assert km.is_alive(), f"the kernel died on cell {i}: {code!r}"
        # Completion, inspection and is_complete on the same text, at a random cursor.
        cursor = rng.randint(0, len(code))
        kc.complete(code, cursor)
        assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["status"] == "ok", f"complete {code!r} at {cursor}"
        kc.inspect(code, cursor)
        assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["status"] == "ok", f"inspect {code!r} at {cursor}"
        kc.is_complete(code)
        assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["status"] in ("complete", "incomplete", "invalid"), f"is_complete {code!r}"
    # The generator reaches both outcomes, so the run exercised commands that worked too.
    assert statuses["ok"] > 10 and statuses["error"] > 10, statuses

    outputs = []
    reply = kc.execute_interactive('print "ok"', timeout=TIMEOUT, output_hook=outputs.append)
    assert reply["content"]["status"] == "ok"
    streams = [m["content"] for m in outputs if m["msg_type"] == "stream"]
    assert streams == [{"name": "stdout", "text": "ok\n"}]
    assert km.is_alive()

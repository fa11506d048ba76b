"""`polyicl run` against the real nbformat: executed notebooks validate against the
nbformat 4 schema and hold the outputs `jupyter execute` would store; scripts print text,
write rich outputs to files, and fail with the error and a non-zero status."""

import os
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = str(Path(os.environ.get("POLYICL_BIN", ROOT / ".build" / "release" / "polyicl")).resolve())


def run(*args, cwd):
    return subprocess.run([BIN, "run", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(autouse=True)
def need_binary():
    if not Path(BIN).exists():
        pytest.fail(f"polyicl binary not found at {BIN}: build it (swift build -c release) or set POLYICL_BIN")


def make_notebook(path, sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "polyicl", "display_name": "PolyICL", "language": "polyicl"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A title")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, str(path))


def test_notebook_outputs_validate_and_match(tmp_path):
    path = tmp_path / "demo.ipynb"
    make_notebook(path, [
        'print "hello, world"\nprint "oops" stream=stderr',
        "x = 3\nx",
        'display "<b>hi</b>"',
        "progress 3 delay=0",
        "help print",
    ])
    result = run(str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3, 4, 5]
    assert [(o.output_type, o.name, o.text) for o in code[0].outputs] == [
        ("stream", "stdout", "hello, world\n"), ("stream", "stderr", "oops\n")]
    assert [(o.output_type, o.execution_count, dict(o.data)) for o in code[1].outputs] == [
        ("execute_result", 2, {"text/plain": "3"})]
    assert dict(code[2].outputs[0].data) == {"text/html": "<b>hi</b>", "text/plain": "hi"}
    assert len(code[3].outputs) == 1 and "3/3 (100%)" in code[3].outputs[0].data["text/plain"]
    assert code[4].outputs[0].data["text/plain"].startswith("print: ")


def test_notebook_stops_at_first_error(tmp_path):
    path = tmp_path / "fails.ipynb"
    make_notebook(path, ["print 1", "undefined_command", "print 2"])
    out = tmp_path / "out"
    result = run(str(path), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 1
    assert "UnknownCommand" in result.stderr
    nb = nbformat.read(str(out / "fails.ipynb"), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    error = code[1].outputs[0]
    assert (error.output_type, error.ename) == ("error", "UnknownCommand")
    assert "undefined_command" in error.evalue
    assert code[2].execution_count is None and code[2].outputs == []
    # The input notebook is left as it was when --out is given.
    assert all(c.execution_count is None for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code")


def test_script_prints_and_writes_files(tmp_path):
    script = tmp_path / "demo.icl"
    script.write_text('# comment\nprint "hello, world"\nx = [1,\n  2]\nx\ndisplay "<i>rich</i>"\n')
    result = run(str(script), "--out", str(tmp_path / "figures"), cwd="/")
    assert result.returncode == 0, result.stderr
    written = tmp_path / "figures" / "demo-1.html"
    assert result.stdout == f"hello, world\n[1, 2]\nrich\n[wrote {written}]\n"
    assert written.read_text() == "<i>rich</i>"


def test_script_error_is_located_and_nothing_runs(tmp_path):
    script = tmp_path / "bad.icl"
    script.write_text('print "first"\ntrain base on=poly stepz=3\n')
    result = run(str(script), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "line 2, column 7" in result.stderr
    assert "  2 | train base on=poly stepz=3" in result.stderr


def test_notebook_output_file_leaves_the_source_untouched(tmp_path):
    path = tmp_path / "shipped.ipynb"
    make_notebook(path, ['print "ran"', "x = 2\nx"])
    before = path.read_bytes()
    written = tmp_path / "executed" / "copy.ipynb"
    result = run(str(path), "--output", str(written), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == before
    assert f"wrote {written}" in result.stderr
    nb = nbformat.read(str(written), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [(o.output_type, o.text) for o in code[0].outputs] == [("stream", "ran\n")]
    assert dict(code[1].outputs[0].data) == {"text/plain": "2"}


def test_notebook_without_output_is_executed_in_place(tmp_path):
    path = tmp_path / "in-place.ipynb"
    make_notebook(path, ['print "ran"'])
    result = run(str(path), cwd="/")
    assert result.returncode == 0, result.stderr
    assert f"wrote {path}" in result.stderr
    code = [c for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code"]
    assert code[0].execution_count == 1 and code[0].outputs[0].text == "ran\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in-place.ipynb"]


def test_run_help_says_where_the_notebook_is_written(tmp_path):
    result = subprocess.run([BIN, "run", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "by default OVER FILE.ipynb itself" in text
    assert "--output <path>" in text and "the source left untouched" in text


def test_output_is_refused_for_scripts_and_with_out(tmp_path):
    script = tmp_path / "demo.icl"
    script.write_text('print "x"\n')
    result = run(str(script), "--output", str(tmp_path / "x.ipynb"), cwd=tmp_path)
    assert result.returncode != 0 and "is a script" in result.stderr
    path = tmp_path / "nb.ipynb"
    make_notebook(path, ['print "x"'])
    before = path.read_bytes()
    result = run(str(path), "--output", str(tmp_path / "a.ipynb"), "--out", str(tmp_path / "d"), cwd=tmp_path)
    assert result.returncode != 0 and "not both" in result.stderr
    assert path.read_bytes() == before

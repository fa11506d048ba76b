"""The python/ package (polyicl-jupyter) through the tools it plugs into, with the real
kernel: papermill parameterising and running a PolyICL notebook, nbconvert colouring one
with the Pygments lexer, and the lexer itself on every kind of token.

Needs `pip install ./python` in the venv (scripts/setup.sh does it)."""
import json
import subprocess
import sys

import nbformat
import papermill
import pytest
from nbconvert import HTMLExporter
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, Punctuation, String

import kernel_fixtures

KERNEL = kernel_fixtures.KERNEL_NAME

DEFAULTS = 'steps = 3\nlr = 0.001\nlabel = "default"\nchecked = false\nsizes = [1, 2]'
BODY = """# A tiny run whose length is a parameter.
poly = task chebyshev degree=0..2
m = model preset=tiny seed=1
train m on=poly steps=steps lr=lr batch=4 seed=1
print label checked sizes steps*2
print lr"""


def write_notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "PolyICL", "language": "polyicl"}
    for source, tags in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def execute(tmp_path, cells, parameters=None, name="run"):
    source = write_notebook(tmp_path / f"{name}-in.ipynb", cells)
    output = tmp_path / f"{name}-out.ipynb"
    papermill.execute_notebook(str(source), str(output), parameters=parameters, kernel_name=KERNEL,
                               cwd=str(tmp_path), start_timeout=60, execution_timeout=300, progress_bar=False)
    return nbformat.read(output, as_version=4)


def texts(cell):
    """Every text output of a cell, in order (streams, displays, results)."""
    out = []
    for o in cell.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif "data" in o and "text/plain" in o.data:
            out.append(o.data["text/plain"])
    return out


@pytest.fixture(scope="module")
def parameterised(tmp_path_factory):
    """The same notebook run with its defaults and with a parameter of each type."""
    tmp_path = tmp_path_factory.mktemp("papermill")
    cells = [(DEFAULTS, ["parameters"]), (BODY, [])]
    plain = execute(tmp_path, cells, name="defaults")
    given = execute(tmp_path, cells, name="given",
                    parameters={"steps": 7, "lr": 0.1 + 0.2, "label": "tuned", "checked": True, "sizes": [3, 0.5, "x", [True]]})
    return plain, given


def test_papermill_parameters_change_what_the_notebook_computes(parameterised):
    plain, given = parameterised
    assert not [o for nb in (plain, given) for c in nb.cells for o in c.outputs if o.output_type == "error"]
    # Papermill put the parameters in a cell of their own after the tagged one.
    injected = given.cells[1]
    assert "injected-parameters" in injected.metadata.tags
    assert injected.source.splitlines() == [
        "# Parameters",
        "steps = 7",
        "lr = 0.30000000000000004",
        'label = "tuned"',
        "checked = true",
        'sizes = [3, 0.5, "x", [true]]',
    ]
    # They changed what ran: the length of training, what was printed, the float to the last bit.
    assert texts(plain.cells[1])[0].startswith("trained m: 3 steps")
    assert texts(plain.cells[1])[1:] == ["default false [1, 2] 6\n", "0.001\n"]
    out = texts(given.cells[2])
    assert out[0].startswith("trained m: 7 steps")
    assert out[1:] == ['tuned true [3, 0.5, "x", [true]] 14\n', "0.30000000000000004\n"]


def test_executed_notebook_names_the_lexer_and_mode(parameterised):
    _, given = parameterised
    info = given.metadata.language_info
    assert info["name"] == "polyicl"
    assert info["pygments_lexer"] == "polyicl"
    assert info["codemirror_mode"] == "python"


def test_nbconvert_html_colours_cells_with_the_polyicl_lexer(parameterised):
    _, given = parameterised
    html, _ = HTMLExporter().from_notebook_node(given)
    # Token classes only this lexer gives: the command as a keyword, keys as attributes.
    assert '<span class="k">train</span>' in html
    assert '<span class="na">steps</span><span class="o">=</span><span class="n">steps</span>' in html
    assert '<span class="c1"># A tiny run whose length is a parameter.</span>' in html
    assert '<span class="s2">"tuned"</span>' in html
    assert '<span class="nv">steps</span>' in html
    assert '<span class="mi">0</span><span class="o">..</span><span class="mi">2</span>' in html
    assert '<span class="mf">0.30000000000000004</span>' in html


STRINGS = [
    'He said "hi" and left',
    "back\\slash \\n not a newline",
    "two\nlines\tand a tab",
    "é ☺ 👍🏽 中文 and a joiner \u200d here",
    "control \x01 and \x7f",
    "",
]


def test_strings_round_trip_through_the_kernel(tmp_path):
    nb = execute(tmp_path, [('text = "x"\ni = 0', ["parameters"]), ("print text", [])], parameters={"text": "\n".join(STRINGS)})
    assert texts(nb.cells[2]) == ["\n".join(STRINGS) + "\n"]
    # Each alone as well, in a list: the kernel shows it quoted as it would be typed back
    # (its own quoting leaves other controls as they are).
    nb = execute(tmp_path, [("text = []", ["parameters"]), ("text", [])], parameters={"text": STRINGS}, name="list")
    assert texts(nb.cells[2]) == ["[" + ", ".join(kernel_quote(s) for s in STRINGS) + "]"]


def kernel_quote(s):
    """How the kernel writes a string value (Value.quote in Sources/PolyICLLanguage)."""
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
    return '"' + "".join(escapes.get(c, c) for c in s) + '"'


def test_values_papermill_cannot_pass_are_refused_clearly(tmp_path):
    cells = [("x = 1", ["parameters"]), ("print x", [])]
    for value, fragment in [(None, "PolyICL has no None"), (float("inf"), "not a finite number"), (float("nan"), "not a finite number"),
                            ({"a": 1}, "no dictionaries"), (2**70, "64-bit integers")]:
        with pytest.raises(ValueError) as error:
            execute(tmp_path, cells, parameters={"x": value}, name="refused")
        assert "parameter 'x'" in str(error.value) and fragment in str(error.value), str(error.value)
    with pytest.raises(ValueError, match="not a PolyICL name"):
        execute(tmp_path, cells, parameters={"my-value": 1}, name="refused")


def test_translator_writes_the_languages_literals():
    from polyicl_jupyter.translator import PolyICLTranslator as T
    assert T.translate('a"b\\c\nd\te\r\0') == '"a\\"b\\\\c\\nd\\te\\r\\0"'
    assert T.translate("\u2028\x1b") == '"\\u{2028}\\u{1b}"'
    assert T.translate(-3) == "-3" and T.translate(True) == "true" and T.translate(False) == "false"
    assert T.translate(1e-5) == "1e-05" and T.translate(3.0) == "3.0" and T.translate(-0.0) == "-0.0" and T.translate(1e300) == "1e+300"
    assert T.translate([1, [2.5, "s"], []]) == '[1, [2.5, "s"], []]'
    assert T.translate((1, 2)) == "[1, 2]"
    assert T.codify({"a": 1}, "Parameters\nfrom papermill") == "# Parameters\n# from papermill\na = 1\n"


def test_registered_through_entry_points_alone():
    # A fresh interpreter that imports nothing of the package: papermill and Pygments find it.
    script = """
import json, papermill
from importlib.metadata import entry_points
from papermill.translators import papermill_translators
from pygments.lexers import get_lexer_by_name
print(json.dumps({
    "translator": papermill_translators.find_translator("polyicl", "polyicl").__name__,
    "group": [e.value for e in entry_points(group="papermill.translators") if e.name == "polyicl"],
    "lexer": type(get_lexer_by_name("polyicl")).__name__,
}))
"""
    found = json.loads(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout)
    assert found == {"translator": "PolyICLTranslator", "group": ["polyicl_jupyter.translator:PolyICLTranslator"], "lexer": "PolyICLLexer"}


def test_inspect_lists_the_parameters(tmp_path):
    path = write_notebook(tmp_path / "inspect.ipynb", [(DEFAULTS + "  # steps of training\n# a comment", ["parameters"])])
    found = papermill.inspect_notebook(str(path))
    assert {name: p["inferred_type_name"] for name, p in found.items()} == {
        "steps": "int", "lr": "float", "label": "str", "checked": "bool", "sizes": "list"}
    assert found["sizes"]["default"] == "[1, 2]"


SAMPLE = """# a comment
poly = task chebyshev degree=0..11 noise=0.5
train base on=poly steps=steps*2 lr=1e-4 curriculum=5..n-1 freeze=[read_in, wpe]
eval base on=poly baselines=[lstsq, ridge(0.2),
  zero] paired=true
print "q\\"\\u{263A}é" 'single' -3 x-1 20_000 @
"""


def test_lexer_colours_every_kind_of_token():
    lexer = get_lexer_by_name("polyicl")
    assert type(get_lexer_for_filename("run.icl")) is type(lexer)
    tokens = [(t, v) for t, v in lexer.get_tokens(SAMPLE) if v.strip()]
    expected = [
        (Comment.Single, "# a comment"),
        (Name.Variable, "poly"), (Operator, "="), (Keyword, "task"), (Name, "chebyshev"),
        (Name.Attribute, "degree"), (Operator, "="), (Number.Integer, "0"), (Operator, ".."), (Number.Integer, "11"),
        (Name.Attribute, "noise"), (Operator, "="), (Number.Float, "0.5"),
        (Keyword, "train"), (Name, "base"), (Name.Attribute, "on"), (Operator, "="), (Name, "poly"),
        (Name.Attribute, "steps"), (Operator, "="), (Name, "steps"), (Operator, "*"), (Number.Integer, "2"),
        (Name.Attribute, "lr"), (Operator, "="), (Number.Float, "1e-4"),
        (Name.Attribute, "curriculum"), (Operator, "="), (Number.Integer, "5"), (Operator, ".."), (Name, "n"), (Operator, "-"), (Number.Integer, "1"),
        (Name.Attribute, "freeze"), (Operator, "="), (Punctuation, "["), (Name, "read_in"), (Punctuation, ","), (Name, "wpe"), (Punctuation, "]"),
        (Keyword, "eval"), (Name, "base"), (Name.Attribute, "on"), (Operator, "="), (Name, "poly"),
        (Name.Attribute, "baselines"), (Operator, "="), (Punctuation, "["), (Name, "lstsq"), (Punctuation, ","),
        (Name.Function, "ridge"), (Punctuation, "("), (Number.Float, "0.2"), (Punctuation, ")"), (Punctuation, ","),
        (Name, "zero"), (Punctuation, "]"), (Name.Attribute, "paired"), (Operator, "="), (Keyword.Constant, "true"),
        (Keyword, "print"), (String.Double, '"'), (String.Double, "q"), (String.Escape, '\\"'), (String.Escape, "\\u{263A}"),
        (String.Double, "é"), (String.Double, '"'), (String.Single, "'"), (String.Single, "single"), (String.Single, "'"),
        (Number.Integer, "-3"), (Name, "x"), (Operator, "-"), (Number.Integer, "1"), (Number.Integer, "20_000"), (Error, "@"),
    ]
    assert tokens == expected
    # The text comes back whole: nothing is lost or doubled.
    assert "".join(v for _, v in lexer.get_tokens(SAMPLE)) == SAMPLE

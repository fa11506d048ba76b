"""A Pygments lexer for PolyICL cells and scripts (``*.icl``).

It follows the kernel's lexer (Sources/PolyICLLanguage/Syntax/Lexer.swift): one statement
a line, continued while a bracket is open; ``#`` comments; ``name = command args...``;
arguments ``key=value`` (no spaces around ``=``) or positional; values are numbers,
strings with ``\\n \\t \\r \\0 \\\\ \\" \\' \\u{hex}`` escapes, ``true``/``false``, names,
ranges ``a..b``, lists, calls ``ridge(0.2)`` and arithmetic. The word that starts a
statement is its command (or a name to show), coloured as a keyword; it is known by its
place, not from a list, so commands added to the language are coloured without a change
here.
"""
from pygments.lexer import RegexLexer, bygroups, include
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, Punctuation, String, Whitespace

__all__ = ["PolyICLLexer"]

# A name: a letter or `_`, then letters, digits, `_`, and single dots between parts.
IDENTIFIER = r"[^\W\d][\w]*(?:\.\w+)*"
# A `-` is a sign only where no value ends right before it (`x-1` subtracts, `[0, -1]`
# does not), as in the kernel's lexer.
SIGN = r"(?<![\w)\]\"'])-?"
DIGITS = r"\d(?:_?\d)*"


class PolyICLLexer(RegexLexer):
    name = "PolyICL"
    aliases = ["polyicl"]
    filenames = ["*.icl"]
    mimetypes = ["text/x-polyicl"]

    tokens = {
        # The start of a statement: `name =`, then the command.
        "root": [
            (r"\n", Whitespace),
            (r"[ \t\r]+", Whitespace),
            (r"#.*?$", Comment.Single),
            (rf"({IDENTIFIER})(\s*)(=)(?!=)", bygroups(Name.Variable, Whitespace, Operator)),
            # A word that starts a value (`true`, `ridge(0.2)`, `a..b`, `steps*2`) rather than a command.
            (rf"(?=(?:true|false)\b|{IDENTIFIER}(?:\(|\s*\.\.|\s*[*/+]|\s+-\s|-))", Whitespace, "arguments"),
            (IDENTIFIER, Keyword, "arguments"),
            (r"(?=\S)", Whitespace, "arguments"),
        ],
        # After the command, up to the end of the line outside brackets.
        "arguments": [
            (r"\n", Whitespace, "#pop"),
            include("values"),
        ],
        # Inside brackets a line break only continues the statement.
        "bracket": [
            (r"\n", Whitespace),
            (r"[\])]", Punctuation, "#pop"),
            include("values"),
        ],
        "values": [
            (r"[ \t\r]+", Whitespace),
            (r"#.*?$", Comment.Single),
            (rf"({IDENTIFIER})(=)", bygroups(Name.Attribute, Operator)),
            (r'"', String.Double, "double-string"),
            (r"'", String.Single, "single-string"),
            (rf"{SIGN}{DIGITS}(?:\.{DIGITS}(?:[eE][+-]?\d+)?|[eE][+-]?\d+)", Number.Float),
            (rf"{SIGN}{DIGITS}", Number.Integer),
            (r"\.\.", Operator),
            (r"[-+*/]", Operator),
            (r"(?:true|false)\b", Keyword.Constant),
            (rf"{IDENTIFIER}(?=\()", Name.Function),
            (IDENTIFIER, Name),
            (r"[\[(]", Punctuation, "bracket"),
            (r",", Punctuation),
            (r"[\])]", Punctuation),
            (r"=", Operator),
            (r".", Error),
        ],
        "double-string": [
            (r'\\(?:u\{[0-9A-Fa-f]*\}|.)', String.Escape),
            (r'[^"\\]+', String.Double),
            (r'"', String.Double, "#pop"),
        ],
        "single-string": [
            (r"\\(?:u\{[0-9A-Fa-f]*\}|.)", String.Escape),
            (r"[^'\\]+", String.Single),
            (r"'", String.Single, "#pop"),
        ],
    }

    def analyse_text(text):
        # `name = task chebyshev ...` and `train m on=t` are rare outside PolyICL.
        return 0.3 if "on=" in text and ("train " in text or "eval " in text) else 0.0

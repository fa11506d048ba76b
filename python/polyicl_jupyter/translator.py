"""Papermill parameters as PolyICL assignments.

Papermill writes the parameters it is given into a cell after the one tagged
``parameters``, in the kernel's language. For PolyICL each becomes ``name = value``, a
value kept in the session that later cells use wherever a value goes (``steps=steps``).
Values are written so the kernel's lexer reads back exactly what was given: strings with
its escapes, floats in their shortest exact form. What the language cannot hold (None,
dictionaries, infinities, NaN) is refused here, with the parameter's name, rather than
becoming a cell that fails or, worse, a different value.
"""
import math
import re
import unicodedata

from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

# The language's integers are 64-bit.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

# Escapes the kernel's lexer reads; other characters that would not survive a cell's text
# (controls, line separators) are written as \u{hex}.
SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


class PolyICLParameterError(PapermillException, ValueError):
    """A parameter value PolyICL cannot hold."""


def _is_identifier(name: str) -> bool:
    # The lexer's names: a letter or `_`, then letters, digits and `_`, with single dots
    # between parts (`h.0`).
    parts = name.split(".")
    if not parts[0] or not (parts[0][0] == "_" or parts[0][0].isalpha()):
        return False
    return all(part and all(c == "_" or c.isalnum() for c in part) for part in parts)


class PolyICLTranslator(Translator):
    @classmethod
    def translate_str(cls, val):
        out = []
        for c in val:
            if c in SIMPLE_ESCAPES:
                out.append(SIMPLE_ESCAPES[c])
            elif 0xD800 <= ord(c) <= 0xDFFF:
                raise PolyICLParameterError(
                    f"the string {val!r} holds a lone surrogate (U+{ord(c):04X}), which is no character; PolyICL strings are Unicode text")
            elif unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
                out.append(f"\\u{{{ord(c):x}}}")
            else:
                out.append(c)
        return '"' + "".join(out) + '"'

    @classmethod
    def translate_escaped_str(cls, str_val):
        return cls.translate_str(str(str_val))

    @classmethod
    def translate_none(cls, val):
        raise PolyICLParameterError(
            "PolyICL has no None: give the parameter a value, or leave it out to keep the notebook's default")

    @classmethod
    def translate_bool(cls, val):
        return "true" if val else "false"

    @classmethod
    def translate_int(cls, val):
        if not INT_MIN <= val <= INT_MAX:
            raise PolyICLParameterError(f"{val} does not fit PolyICL's 64-bit integers ({INT_MIN} to {INT_MAX}); pass it as a float")
        return str(int(val))

    @classmethod
    def translate_float(cls, val):
        if math.isnan(val) or math.isinf(val):
            raise PolyICLParameterError(f"{val} is not a finite number; PolyICL numbers are finite 64-bit floats")
        # repr is the shortest text that reads back as the same double, and always has a
        # point or an exponent, so the value stays a float (3.0, not 3).
        return repr(float(val))

    @classmethod
    def translate_list(cls, val):
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"

    @classmethod
    def translate_dict(cls, val):
        raise PolyICLParameterError("PolyICL has no dictionaries: pass each entry as a parameter of its own")

    @classmethod
    def translate(cls, val):
        if isinstance(val, tuple):
            return cls.translate_list(list(val))
        if val is None or isinstance(val, (str, bool, int, float, dict, list)):
            return super().translate(val)
        raise PolyICLParameterError(f"PolyICL cannot hold a {type(val).__name__} ({val!r}); pass a string, number, boolean or list")

    @classmethod
    def comment(cls, cmt_str):
        return "\n".join("# " + line if line else "#" for line in str(cmt_str).splitlines() or [""])

    @classmethod
    def assign(cls, name, str_val):
        if not _is_identifier(name) or name in ("true", "false"):
            raise PolyICLParameterError(
                f"{name!r} is not a PolyICL name: names start with a letter or _ and hold letters, digits, _ and single dots")
        return f"{name} = {str_val}"

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        content = cls.comment(comment) + "\n"
        for name, val in parameters.items():
            try:
                value = cls.translate(val)
            except PolyICLParameterError as error:
                raise PolyICLParameterError(f"parameter {name!r}: {error}") from None
            content += cls.assign(name, value) + "\n"
        return content

    # `name = value  # help` lines of a parameters cell, for `papermill --help-notebook`.
    _assignment = re.compile(r"^\s*(?P<name>[^\W\d][\w.]*)\s*=\s*(?P<value>[^#]*?)\s*(?:#\s*(?P<help>.*))?$")

    @classmethod
    def inspect(cls, parameters_cell):
        parameters = []
        for line in parameters_cell.source.splitlines():
            match = cls._assignment.match(line)
            if not match or match["name"] in ("true", "false"):
                continue
            value = match["value"]
            if value.startswith(("\"", "'")):
                kind = "str"
            elif value in ("true", "false"):
                kind = "bool"
            elif value.startswith("["):
                kind = "list"
            elif re.fullmatch(r"-?\d[\d_]*", value):
                kind = "int"
            elif re.fullmatch(r"-?\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?", value):
                kind = "float"
            else:
                kind = "None"
            parameters.append(Parameter(name=match["name"], inferred_type_name=kind, default=value, help=match["help"] or ""))
        return parameters


def register():
    """Adds the translator to papermill's table, for the kernel and for the language."""
    papermill_translators.register("polyicl", PolyICLTranslator)


# Done on import, so whichever of papermill and this module is imported first, the other
# finds the translator registered (papermill imports this through the engine entry point).
register()

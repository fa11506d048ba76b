"""Papermill's nbclient engine under the name `polyicl`.

Papermill 2.x loads engines from entry points when it is imported, but keeps translators
in a fixed table. Loading this module (papermill does, for the engine entry point) loads
the translator module, which adds the PolyICL translator to that table, so
parameterising a PolyICL notebook needs no import by hand; the engine itself is
papermill's default one.
"""
from papermill.engines import NBClientEngine

# A plain module import, not `from .translator import ...`: when the translator module is
# imported first, it imports papermill, which loads this module while the translator is
# still half-defined; it then registers itself once complete.
from . import translator  # noqa: F401


class PolyICLEngine(NBClientEngine):
    """Executes with nbclient, as papermill's default engine does."""

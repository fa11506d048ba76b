"""PolyICL's command language for Jupyter tools: a papermill parameter translator
(``polyicl_jupyter.translator``) and a Pygments lexer (``polyicl_jupyter.lexer``)."""

__version__ = "0.1.0"

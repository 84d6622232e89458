"""linreg_src: the single copy of every computation in the book 《拆解 l.sum().backward()》.

Each concept lives in its own small module, and the book's pages import from those modules
directly (``from linreg_src.chain import factory_forward``), so a page depends only on the code it
really runs:

- :mod:`linreg_src.chain` -- the chain-rule "burger factory" (article 003);
- :mod:`linreg_src.articles` -- each source article's published inputs and printed numbers.

Examples
--------
>>> import linreg_src
>>> linreg_src.__version__
'0.1.0'
"""

__version__ = "0.1.0"

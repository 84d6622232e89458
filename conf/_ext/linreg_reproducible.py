"""Make what a page prints independent of when the kernel flushed it.

A kernel sends ``print`` output in chunks, cut wherever its output buffer happened to be flushed
(ipykernel flushes on a timer), so one ``print("a", "b")`` may arrive as ``"a"`` and ``" b\\n"``
in one run and whole in the next. MyST-NB merges a cell's stream outputs before rendering them
(``nb_merge_streams``), but its merge strips each chunk and ends it with a newline, so a line cut
in two is shown on two lines -- and two clean builds differ (MyST-NB issue #690 is the spacing
half of this). Seen in this book: ``%xmode Minimal`` printing "Exception reporting mode:" and
"Minimal" on one line or on two, build by build.

:func:`coalesce_streams` first joins all chunks of each stream exactly, as nbclient's own
``coalesce_streams`` option does, and then applies MyST-NB's merge (which then sees one chunk per
stream, so only its handling of ``\\r``, ``\\b`` and the stdout-before-stderr order remain). This
extension puts it in place of MyST-NB's for rendering; ``conf.py`` uses it for the downloadable
notebooks too.
"""

from __future__ import annotations

import copy

import myst_nb.core.render
import myst_nb.core.utils
from nbformat import NotebookNode
from sphinx.application import Sphinx

_myst_nb_coalesce = myst_nb.core.utils.coalesce_streams


def coalesce_streams(outputs: list[NotebookNode]) -> list[NotebookNode]:
    """Merge each stream's chunks exactly, then as MyST-NB does; ``outputs`` is not modified.

    Examples
    --------
    >>> from nbformat.v4 import new_output
    >>> whole = [new_output("stream", name="stdout", text="mode: Minimal\\n")]
    >>> cut = [new_output("stream", name="stdout", text=t) for t in ("mode:", " Minimal\\n")]
    >>> coalesce_streams(cut) == coalesce_streams(whole)
    True
    >>> coalesce_streams(cut)[0]["text"]
    'mode: Minimal\\n'
    """
    merged: list[NotebookNode] = []
    streams: dict[str, NotebookNode] = {}
    for output in outputs:
        if output.get("output_type") == "stream":
            if output["name"] in streams:
                streams[output["name"]]["text"] += output["text"]
                continue
            output = copy.deepcopy(output)
            streams[output["name"]] = output
        merged.append(output)
    return _myst_nb_coalesce(merged)


def install() -> None:
    """Put :func:`coalesce_streams` where MyST-NB's renderer looks it up.

    The renderer imported MyST-NB's function by name into its module (``linreg_versions`` lists
    this internal); ``tests/test_linreg_reproducible.py`` renders a notebook through MyST-NB to
    check that the replacement is still the one used, and that it is still needed.
    """
    myst_nb.core.render.coalesce_streams = coalesce_streams


def setup(app: Sphinx) -> dict[str, object]:
    from linreg_versions import require

    require("linreg_reproducible")
    install()
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}

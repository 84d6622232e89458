"""A page's printed text must not depend on where the kernel cut its output into chunks."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import pytest
from nbformat.v4 import new_output

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "linreg_reproducible_under_test", ROOT / "conf" / "_ext" / "linreg_reproducible.py"
)
assert _spec is not None and _spec.loader is not None
repro = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(repro)

TEXT = "Exception reporting mode: Minimal\nloss 4.0\r\rloss 1.0\n"


def stream(text: str, name: str = "stdout"):
    return new_output("stream", name=name, text=text)


@pytest.mark.parametrize("cut", [[], [10], [26, 27], [33], [1, 2, 3, 40]])
def test_merged_output_is_the_same_however_the_stream_was_cut(cut):
    bounds = [0, *cut, len(TEXT)]
    chunks = [stream(TEXT[a:b]) for a, b in itertools.pairwise(bounds)]
    merged = repro.coalesce_streams(chunks)
    assert merged == repro.coalesce_streams([stream(TEXT)])
    assert [o["text"] for o in merged] == ["Exception reporting mode: Minimal\nloss 1.0\n"]


def test_other_outputs_stay_and_stdout_comes_before_stderr():
    image = new_output("display_data", data={"image/png": "iVBOR"})
    outputs = [stream("warn", "stderr"), stream("a"), image, stream("b\n"), stream("!\n", "stderr")]
    merged = repro.coalesce_streams(outputs)
    assert [(o["output_type"], o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "ab\n"),
        ("stream", "stderr", "warn!\n"),
        ("display_data", None, None),
    ]
    assert outputs[1]["text"] == "a", "the caller's outputs are not modified"


# -- the patch in MyST-NB -------------------------------------------------------------------------

CUT = ["Exception reporting mode:", " Minimal\n"]  # one print, cut in two by a flush


def _rendered(tmp_path: Path) -> str:
    """The HTML MyST-NB's own renderer makes of a notebook whose output came cut in two."""
    import json

    from docutils.core import publish_string
    from myst_nb.docutils_ import Parser

    outputs = [{"output_type": "stream", "name": "stdout", "text": text} for text in CUT]
    cell = {"cell_type": "code", "execution_count": 1, "id": "c", "metadata": {}}
    notebook = {
        "cells": [{**cell, "outputs": outputs, "source": "%xmode Minimal"}],
        "metadata": {
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    html = publish_string(
        json.dumps(notebook),
        source_path=str(tmp_path / "page.ipynb"),
        parser=Parser(),
        writer="html",
        settings_overrides={
            "nb_execution_mode": "off",
            "nb_merge_streams": True,  # as conf.py sets it
            "nb_output_folder": str(tmp_path / "build"),
            "report_level": 4,
        },
    ).decode()
    start = html.index("Exception reporting")
    return html[start : html.index("</pre>", start)]


def test_myst_nb_renders_through_the_replacement(tmp_path, monkeypatch):
    """Fails if MyST-NB's renderer stops looking ``coalesce_streams`` up in its module."""
    import myst_nb.core.render

    render = myst_nb.core.render
    monkeypatch.setattr(render, "coalesce_streams", render.coalesce_streams)  # undone after
    repro.install()
    assert _rendered(tmp_path) == "Exception reporting mode: Minimal\n"


def test_myst_nb_alone_still_splits_a_cut_line(tmp_path, monkeypatch):
    """Fails once MyST-NB merges streams exactly itself: then linreg_reproducible can go."""
    import myst_nb.core.render

    monkeypatch.setattr(myst_nb.core.render, "coalesce_streams", repro._myst_nb_coalesce)
    assert _rendered(tmp_path) == "Exception reporting mode:\n Minimal\n"  # two lines

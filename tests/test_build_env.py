"""The build's settings (conf/build_env.py): validated once, refused in one line, one build date.

Probes of issue 13: ``LINREG_FORK_KERNELS=maybe`` counted as "on", ``SOURCE_DATE_EPOCH=abc``
crashed inside Sphinx without naming the variable, ``-1`` built a site dated 1969, and a bad
``LINREG_EXECUTION_WORKERS`` came out inside Sphinx's "please report a bug" banner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf"))

import build_env  # noqa: E402


def test_unset_variables_give_the_defaults():
    assert build_env.read_settings({}) == build_env.Settings("auto", True, None, None)


def test_set_variables_are_parsed():
    settings = build_env.read_settings(
        {
            "LINREG_EXECUTION_WORKERS": "2",
            "LINREG_FORK_KERNELS": "off",
            "SOURCE_DATE_EPOCH": "1767225600",
            "LINREG_BOOK_CACHE": "/tmp/cache",
        }
    )
    assert settings == build_env.Settings(2, False, 1767225600, Path("/tmp/cache"))


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("LINREG_FORK_KERNELS", "maybe", "one of 1, 0, true, false, yes, no, on, off"),
        ("LINREG_FORK_KERNELS", "", "one of 1, 0, true, false, yes, no, on, off"),
        ("LINREG_EXECUTION_WORKERS", "many", "'auto' or a whole number from 0 to 64"),
        ("LINREG_EXECUTION_WORKERS", "-1", "'auto' or a whole number from 0 to 64"),
        ("LINREG_EXECUTION_WORKERS", "1e3", "'auto' or a whole number from 0 to 64"),
        ("SOURCE_DATE_EPOCH", "abc", "whole seconds since 1970-01-01 UTC, from 0 to 253402300799"),
        ("SOURCE_DATE_EPOCH", "-1", "whole seconds since 1970-01-01 UTC, from 0 to 253402300799"),
        ("SOURCE_DATE_EPOCH", "1.5", "whole seconds since 1970-01-01 UTC, from 0 to 253402300799"),
        ("SOURCE_DATE_EPOCH", "253402300800", "whole seconds since 1970-01-01 UTC"),
        ("LINREG_BOOK_CACHE", " ", "a folder path (unset the variable for the default)"),
    ],
)
def test_a_bad_value_is_refused_in_one_line_naming_variable_and_values(name, value, allowed):
    with pytest.raises(build_env.SettingError) as refused:
        build_env.read_settings({name: value})
    message = str(refused.value)
    assert message.startswith(f"{name}=")
    assert f": expected {allowed}" in message
    assert "\n" not in message


def test_the_build_date_is_the_callers_then_the_last_commits_then_fixed(tmp_path):
    assert build_env.build_date({"SOURCE_DATE_EPOCH": "86400"}) == 86400
    commit = build_env.last_commit_time(ROOT)
    if commit is not None:  # in a git checkout (not, e.g., an unpacked archive)
        assert build_env.build_date({}) == commit
    assert build_env.build_date({}, root=tmp_path) == build_env.FALLBACK_EPOCH


def test_the_build_environment_carries_the_validated_date():
    env = build_env.build_env({"SOURCE_DATE_EPOCH": "86400"})
    assert env["SOURCE_DATE_EPOCH"] == "86400"
    assert env["PYTHONHASHSEED"] == "0"
    with pytest.raises(build_env.SettingError, match=r"^SOURCE_DATE_EPOCH=-1: "):
        build_env.build_env({"SOURCE_DATE_EPOCH": "-1"})


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SOURCE_DATE_EPOCH", "abc"), ("LINREG_EXECUTION_WORKERS", "many")],
)
def test_sphinx_build_stops_in_one_line_without_a_bug_banner(tmp_path, variable, value):
    """Run as an author would run it, without nox: the line names the variable, and the build
    stops before reading anything (SOURCE_DATE_EPOCH=abc used to crash in Sphinx's gettext)."""
    env = {**os.environ, variable: value}
    doctrees, html = str(tmp_path / "doctrees"), str(tmp_path / "html")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-c", "conf", "-d", doctrees, "docs", html],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"conf.py: {variable}={value}: expected "), proc.stderr[-2000:]
    assert "report" not in proc.stderr, "no request to report a Sphinx bug"
    assert not (tmp_path / "html").exists() or not any((tmp_path / "html").iterdir())

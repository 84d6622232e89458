"""linreg_src.machine: the description of the machine the timings ran on."""

from __future__ import annotations

import pytest

from linreg_src.machine import cpu_model, last_level_cache_bytes, machine_description


def test_machine_description_names_the_settings_the_timings_used():
    text = machine_description(threads=1)
    assert text.startswith("|  | 本机 |") and hasattr(text, "_repr_markdown_")
    for key in ("处理器", "逻辑 CPU 数", "最后一级缓存", "PyTorch", "NumPy"):
        assert f"| {key} |" in text
    assert text.splitlines()[-1] == "| 计时所用线程数 | 1 |"
    assert isinstance(cpu_model(), str) and cpu_model()
    cache = last_level_cache_bytes()
    assert cache is None or (isinstance(cache, int) and cache > 0)


def test_machine_description_refuses_zero_threads():
    with pytest.raises(ValueError, match=r"threads must be a positive whole number, got 0"):
        machine_description(0)


def test_fallbacks_without_linux_files(monkeypatch, tmp_path):
    import linreg_src.machine as machine

    monkeypatch.setattr(machine, "Path", lambda _: tmp_path / "missing")
    assert cpu_model()  # platform's answer, or "unknown processor"
    assert last_level_cache_bytes() is None


def test_cache_sizes_in_plain_bytes_and_with_units(monkeypatch, tmp_path):
    import linreg_src.machine as machine

    for index, text in (("index0", "32768\n"), ("index1", "2M\n"), ("index2", "odd\n")):
        (tmp_path / index).mkdir()
        (tmp_path / index / "size").write_text(text)
    monkeypatch.setattr(machine, "Path", lambda _: tmp_path)
    assert last_level_cache_bytes() == 2 * 2**20


def test_cpuinfo_without_a_model_name(monkeypatch, tmp_path):
    import linreg_src.machine as machine

    (tmp_path / "cpuinfo").write_text("processor\t: 0\nmodel name\t:\n")
    monkeypatch.setattr(machine, "Path", lambda _: tmp_path / "cpuinfo")
    assert cpu_model()  # falls back to the platform module

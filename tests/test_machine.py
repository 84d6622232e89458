"""linreg_src.machine: the description of the machine the timings ran on."""

from __future__ import annotations

import pytest

from linreg_src.machine import cpu_model, last_level_cache_bytes, machine_description


def test_machine_description_names_the_settings_the_timings_used():
    text = machine_description(threads=1)
    for key in ("processor", "logical CPUs", "largest cache", "torch", "numpy", "timed with"):
        assert key in text
    assert "1 thread(s)" in text
    assert isinstance(cpu_model(), str) and cpu_model()
    cache = last_level_cache_bytes()
    assert cache is None or (isinstance(cache, int) and cache > 0)


def test_machine_description_refuses_zero_threads():
    with pytest.raises(ValueError, match=r"threads must be a positive whole number, got 0"):
        machine_description(0)

"""The machine that runs the code: processor, caches, libraries and thread settings."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import numpy as np
import torch

from linreg_src._guard import checked
from linreg_src.show import Markdown, table

__all__ = ["cpu_model", "last_level_cache_bytes", "machine_description"]


def cpu_model() -> str:
    """Return the processor's model name (``/proc/cpuinfo`` on Linux), or a fallback.

    >>> isinstance(cpu_model(), str)
    True
    """
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    return platform.processor() or platform.machine() or "unknown processor"


def last_level_cache_bytes() -> int | None:
    """Return the size of the largest CPU cache in bytes (Linux sysfs), or None if unknown.

    >>> size = last_level_cache_bytes()
    >>> size is None or size > 0
    True
    """
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    sizes = []
    for path in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        text = path.read_text().strip()
        if text[:-1].isdigit() and text[-1] in units:
            sizes.append(int(text[:-1]) * units[text[-1]])
        elif text.isdigit():
            sizes.append(int(text))
    return max(sizes) if sizes else None


@checked
def machine_description(threads: int | None = None) -> Markdown:
    """Describe the machine, the libraries and the ``threads`` the timings ran with: a table.

    The labels are the book's (Chinese), since a page shows the table as it is.

    >>> "PyTorch" in machine_description()
    True
    """
    cache = last_level_cache_bytes()
    rows = [
        ("处理器", cpu_model()),
        ("逻辑 CPU 数", str(os.cpu_count())),
        ("最后一级缓存", f"{cache / 2**20:g} MiB" if cache else "未知"),
        ("操作系统", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        (
            "PyTorch",
            f"{torch.__version__}（默认 {torch.get_num_threads()} 个线程）",
        ),
        ("NumPy", np.__version__),
        ("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "（未设置）")),
        ("计时所用线程数", str(threads or torch.get_num_threads())),
    ]
    return table(rows, ["", "本机"])

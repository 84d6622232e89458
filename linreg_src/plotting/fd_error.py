r"""The error of central finite differences against the step, in float32 and float64 (log-log).

Each panel shows, for one loss, the relative error of central differences measured by
:func:`linreg_src.finite_diff.fd_error_sweep` over a range of steps :math:`h`, one curve per
precision; a dotted line of slope -1 is the rounding error predicted *before* measuring,
:math:`\varepsilon\lvert L\rvert/(h\max\lvert g\rvert)`, and a vertical dashed line marks the
balanced step :math:`h = \varepsilon^{1/3}`.

Examples
--------
>>> import torch
>>> from linreg_src.finite_diff import fd_error_sweep
>>> x = torch.tensor([0.5], dtype=torch.float64)
>>> sweep = fd_error_sweep(lambda x: torch.exp(x).sum(), (x,), (torch.exp(x),), [1e-2, 1e-5])
>>> fig = plot_fd_error({"exp": [sweep]})
>>> type(fig).__name__, len(fig.axes)
('Figure', 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from linreg_src.finite_diff import FDSweep
from linreg_src.plotting._checks import check_plot_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DTYPE_COLORS", "plot_fd_error"]

#: One colour per precision, the same in every panel.
DTYPE_COLORS = {"float32": "#c0392b", "float64": "#1f4e79"}


def plot_fd_error(panels: Mapping[str, Sequence[FDSweep]]) -> Figure:
    """Plot finite-difference error against step: a panel per loss (stacked), a curve per dtype.

    ``panels`` maps a title (no CJK) to its :class:`~linreg_src.finite_diff.FDSweep` records.
    """
    if not isinstance(panels, Mapping) or not panels:
        raise ValueError(
            "panels must be a non-empty mapping of titles to lists of FDSweep"
        )
    for title, sweeps in panels.items():
        if (
            isinstance(sweeps, FDSweep)
            or not isinstance(sweeps, Sequence)
            or not sweeps
        ):
            raise ValueError(
                f"panel {title!r} must hold a non-empty list of FDSweep records"
            )
        for sweep in sweeps:
            if not isinstance(sweep, FDSweep):
                raise TypeError(
                    f"panel {title!r} must hold FDSweep records (fd_error_sweep's result), "
                    f"got {type(sweep).__name__}"
                )
            where = f"panels[{title!r}]"
            check_plot_number(f"{where} machine_eps", sweep.machine_eps, log=True)
            for i, (h, e) in enumerate(zip(sweep.steps, sweep.errors, strict=True)):
                check_plot_number(f"{where} steps[{i}]", h, log=True)
                if e == e and e != 0:
                    check_plot_number(f"{where} errors[{i}]", e, log=True)
    from matplotlib.figure import Figure

    rows = len(panels)  # stacked, so that each panel gets the page's full width
    fig = Figure(figsize=(7.0, 3.3 * rows), facecolor="white", layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for ax, (title, sweeps) in zip(axes, panels.items(), strict=True):
        ax.set_facecolor("white")
        for sweep in sweeps:
            color = DTYPE_COLORS.get(sweep.dtype, "black")
            pts = [
                (h, e)
                for h, e in zip(sweep.steps, sweep.errors, strict=True)
                if e == e
            ]
            # an exact zero error cannot be drawn on a log axis: draw it at the floor instead
            floor = sweep.machine_eps * 1e-2
            ax.loglog(
                [h for h, _ in pts],
                [max(e, floor) for _, e in pts],
                marker="o",
                markersize=2.5,
                linewidth=1.2,
                color=color,
                label=f"{sweep.dtype}: measured",
            )
            lo, hi = min(sweep.steps), max(sweep.steps)
            grid = [lo * (hi / lo) ** (k / 50) for k in range(51)]
            ax.loglog(
                grid,
                [sweep.rounding_estimate(h) for h in grid],
                linestyle=":",
                linewidth=1.2,
                color=color,
                label=rf"{sweep.dtype}: $\varepsilon|L|/(h\,\max|g|)$",
            )
            ax.axvline(
                sweep.machine_eps ** (1 / 3),
                linestyle="--",
                linewidth=0.9,
                color=color,
                alpha=0.7,
            )
        bottom = min(s.machine_eps for s in sweeps) * 1e-2
        ax.set_ylim(bottom, 10.0)  # beyond 1000 % the step is simply useless
        ax.set_xlim(
            min(min(s.steps) for s in sweeps), max(max(s.steps) for s in sweeps)
        )
        ax.set_title(title, fontsize=11)
        ax.set_ylabel(r"$\max|g_{\mathrm{FD}} - g| / \max|g|$")
        ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
    axes[-1].set_xlabel(r"step $h$")
    axes[-1].legend(fontsize=8, loc="lower left", framealpha=0.9)
    return fig

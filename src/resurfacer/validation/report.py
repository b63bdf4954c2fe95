"""What a validation run shows: the table as text, a figure per quantity (model
against measured, log axes, identity line) and ``docs/validation.md``."""

from __future__ import annotations

import math
import os
import statistics
from pathlib import Path

from resurfacer.validation.run import RowResult

HEADLINE_QUANTITY = "crater_depth"


def statistics_of(results: list[RowResult]) -> dict:
    """Counts, the median absolute relative error of crater depth on check rows and
    the largest energy-balance error."""
    checks = [r for r in results if r.role == "check" and r.model is not None]
    depth = [
        abs(r.error) for r in checks if r.quantity == HEADLINE_QUANTITY and r.error is not None
    ]
    balances = [r.balance_error for r in results if r.balance_error is not None]
    return {
        "rows": len(results),
        "simulated": sum(r.model is not None for r in results),
        "not_simulable": sum(r.model is None for r in results),
        "checks": len(checks),
        "checks_within": sum(bool(r.within) for r in checks),
        "calibration": sum(r.role == "calibration" for r in results),
        "median_abs_error_crater_depth": statistics.median(depth) if depth else math.nan,
        "crater_depth_checks": len(depth),
        "max_balance_error": max(balances) if balances else 0.0,
    }


def _value(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4g}"


def _row_cells(r: RowResult) -> list[str]:
    error = "-" if r.error is None else f"{100 * r.error:+.0f} %"
    status = {True: "ok", False: "OUT", None: ""}[r.within]
    if r.role != "check":
        status = r.role
    if r.model is None:
        status = "not simulated"
    note = r.reason if r.model is None or r.role == "input" else r.detail
    return [
        r.id,
        r.quantity,
        r.unit,
        _value(r.measured),
        _value(r.model),
        error,
        r.bound,
        status,
        note,
    ]


HEADER = ["id", "quantity", "unit", "measured", "model", "error", "bound", "status", "note"]


def text_table(results: list[RowResult]) -> str:
    """One line per row: model against measured, error, bound, and why a row was not
    simulated; then the statistics."""
    rows = [HEADER] + [_row_cells(r) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    ]
    s = statistics_of(results)
    lines.append("")
    lines.append(
        f"{s['rows']} rows, {s['simulated']} simulated ({s['not_simulable']} not simulable); "
        f"check rows within their bounds: {s['checks_within']} of {s['checks']}; "
        f"median |error| of crater depth on check rows: "
        f"{100 * s['median_abs_error_crater_depth']:.0f} % ({s['crater_depth_checks']} rows); "
        f"largest energy-balance error {s['max_balance_error']:.1e}"
    )
    return "\n".join(lines)


def write_figures(results: list[RowResult], folder: Path) -> list[Path]:
    """One PNG per quantity with simulated rows: model against measured on log axes,
    the identity line, published ranges as error bars, calibration rows hollow."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for quantity in sorted({r.quantity for r in results}):
        rows = [r for r in results if r.quantity == quantity and r.model and r.measured > 0]
        if not rows:
            continue
        fig, ax = plt.subplots(figsize=(4.2, 4.0))
        for r in rows:
            lo = r.low if r.low is not None else r.measured
            hi = r.high if r.high is not None else r.measured
            face = "none" if r.role != "check" else ("C0" if r.within else "C3")
            ax.errorbar(
                r.measured,
                r.model,
                xerr=[[r.measured - lo], [hi - r.measured]],
                fmt="o",
                mfc=face,
                mec="C0" if r.within is not False else "C3",
                ecolor="0.6",
            )
            ax.annotate(
                r.id, (r.measured, r.model), fontsize=6, xytext=(3, 3), textcoords="offset points"
            )
        values = [v for r in rows for v in (r.measured, r.model)]
        lo, hi = min(values) / 2, max(values) * 2
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        ax.set(
            xscale="log",
            yscale="log",
            xlim=(lo, hi),
            ylim=(lo, hi),
            xlabel=f"measured [{rows[0].unit}]",
            ylabel=f"model [{rows[0].unit}]",
            title=quantity.replace("_", " "),
        )
        fig.tight_layout()
        path = folder / f"{quantity}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(path)
    return paths


def markdown(results: list[RowResult], figures: list[Path], docs: Path) -> str:
    """``docs/validation.md``: what was run, the statistics, a table per quantity
    with its figure, and the rows not simulated with the reason."""
    s = statistics_of(results)
    lines = [
        "# Validation against published measurements",
        "",
        "Written by `resurfacer validate` from the same run as its figures; do not edit "
        "by hand. Tables: "
        + ", ".join(sorted({f"`data/validation/{r.table}.csv`" for r in results}))
        + ".",
        "",
        f"* {s['rows']} rows, {s['simulated']} simulated, {s['not_simulable']} not simulable "
        "(reasons below); calibration rows are marked and are not checks; rows whose figure "
        "the model takes as an input are marked `input`.",
        f"* Check rows within their bounds: **{s['checks_within']} of {s['checks']}**.",
        f"* Median absolute error of crater depth on check rows: "
        f"**{100 * s['median_abs_error_crater_depth']:.0f} %** ({s['crater_depth_checks']} rows).",
        f"* Largest energy-balance error over all runs: {s['max_balance_error']:.1e}.",
        "",
        "The column rows are also set beside any column a user runs: `resurfacer mtz` lists "
        "the rows measured at like settings (wavelength, stacking, spot and energy or "
        "fluence within 1.25x) with the column's reading against each row's bound, and "
        "`simulate` adds a model note for each such row outside its bound "
        "(`resurfacer.column.published`).",
        "",
    ]
    by_figure = {p.stem: p for p in figures}
    for quantity in sorted({r.quantity for r in results}):
        lines += [f"## {quantity.replace('_', ' ')}", ""]
        if quantity in by_figure:
            rel = Path(os.path.relpath(by_figure[quantity], docs)).as_posix()
            lines += [f"![{quantity}]({rel})", ""]
        lines += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        for r in results:
            if r.quantity == quantity:
                cells = [c.replace("|", "/") for c in _row_cells(r)]
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Sources", ""]
    seen = {}
    for r in results:
        seen.setdefault(r.source, []).append(r.id)
    lines += [f"* {', '.join(ids)}: {source}" for source, ids in seen.items()]
    return "\n".join(lines) + "\n"


#: the section ``scripts/healing_validation.py`` writes into the same page
HEALING_SECTION = "## Healing"


def keep_healing_section(new_text: str, old_text: str) -> str:
    """`new_text` with the "Healing" section of `old_text` (written by
    ``scripts/healing_validation.py`` from the healing table) carried over at its end."""
    start = old_text.find(HEALING_SECTION)
    if start < 0:
        return new_text
    end = old_text.find("\n## ", start + len(HEALING_SECTION))
    section = old_text[start:] if end < 0 else old_text[start : end + 1]
    return new_text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"

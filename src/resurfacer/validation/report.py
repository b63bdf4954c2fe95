"""What a validation run shows: the table as text, a figure per quantity (model
against measured, log axes, identity line) and ``docs/validation.md``."""

from __future__ import annotations

import math
import os
import statistics
from pathlib import Path

from resurfacer.column.published import LIKE_FACTOR
from resurfacer.validation.run import RowResult
from resurfacer.validation.tables import registered_tables

HEADLINE_QUANTITY = "crater_depth"


def statistics_of(results: list[RowResult]) -> dict:
    """Counts, the median absolute relative error of crater depth on check rows and
    the largest energy-balance error (of the rows given: one table's, or all)."""
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
    simulated; then each table's statistics and why its check rows outside their bounds
    are known to be so."""
    rows = [HEADER] + [_row_cells(r) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    ]
    lines.append("")
    for name, group in by_table(results).items():
        lines.append(f"{name}: {table_statistics(group)}")
        lines += [f"  {', '.join(ids)} OUT: {why}" for ids, why in grouped_disagreements(group)]
    return "\n".join(lines)


def grouped_disagreements(rows: list[RowResult]) -> list[tuple[list[str], str]]:
    """The check rows outside their bounds with a stated reason, rows that share a reason
    together: [(ids, reason)], in the rows' order."""
    grouped: dict[str, list[str]] = {}
    for r in rows:
        if r.within is False and r.role == "check" and r.disagreement:
            grouped.setdefault(r.disagreement, []).append(r.id)
    return [(ids, why) for why, ids in grouped.items()]


def by_table(results: list[RowResult]) -> dict[str, list[RowResult]]:
    """The results grouped by table, in the order they came."""
    groups: dict[str, list[RowResult]] = {}
    for r in results:
        groups.setdefault(r.table, []).append(r)
    return groups


def table_statistics(rows: list[RowResult], strong: str = "") -> str:
    """One table's statistics in a line (`statistics_of`): rows, simulated, check rows
    within their bounds and, where it has crater-depth checks, their median absolute
    error and the largest energy-balance error; `strong` wraps the headline figures
    (markdown "**")."""
    s = statistics_of(rows)
    text = (
        f"{s['rows']} rows, {s['simulated']} simulated, {s['not_simulable']} not simulable; "
        f"check rows within their bounds: {strong}{s['checks_within']} of {s['checks']}{strong}"
    )
    if s["crater_depth_checks"]:
        text += (
            f"; median absolute error of crater depth on check rows: "
            f"{strong}{100 * s['median_abs_error_crater_depth']:.0f} %{strong} "
            f"({s['crater_depth_checks']} rows); largest energy-balance error "
            f"{s['max_balance_error']:.1e}"
        )
    return text


def figure_key(rows: list[RowResult], r: RowResult) -> str:
    """The figure a row is drawn in: its quantity, and its unit where the quantity's rows
    come in several (re-epithelialisation in hours and in days)."""
    units = {x.unit for x in rows if x.quantity == r.quantity}
    return r.quantity if len(units) == 1 else f"{r.quantity}_{r.unit}"


def write_figures(results: list[RowResult], folder: Path) -> list[Path]:
    """One PNG per quantity with simulated rows: model against measured on log axes,
    the identity line, published ranges as error bars, calibration rows hollow."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for key in sorted({figure_key(results, r) for r in results}):
        # each simulated row with its model figure (not None there)
        rows = [
            (r, r.model)
            for r in results
            if figure_key(results, r) == key and r.model and r.measured > 0
        ]
        if not rows:
            continue
        fig, ax = plt.subplots(figsize=(4.2, 4.0))
        for r, model in rows:
            lo = r.low if r.low is not None else r.measured
            hi = r.high if r.high is not None else r.measured
            face = "none" if r.role != "check" else ("C0" if r.within else "C3")
            ax.errorbar(
                r.measured,
                model,
                xerr=[[r.measured - lo], [hi - r.measured]],
                fmt="o",
                mfc=face,
                mec="C0" if r.within is not False else "C3",
                ecolor="0.6",
            )
            ax.annotate(
                r.id, (r.measured, model), fontsize=6, xytext=(3, 3), textcoords="offset points"
            )
        values = [v for r, model in rows for v in (r.measured, model)]
        lo, hi = min(values) / 2, max(values) * 2
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        ax.set(
            xscale="log",
            yscale="log",
            xlim=(lo, hi),
            ylim=(lo, hi),
            xlabel=f"measured [{rows[0][0].unit}]",
            ylabel=f"model [{rows[0][0].unit}]",
            title=key.replace("_", " "),
        )
        fig.tight_layout()
        path = folder / f"{key}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(path)
    return paths


def markdown(results: list[RowResult], figures: list[Path], docs: Path) -> str:
    """``docs/validation.md``: what was run, the statistics per table, a table per
    quantity with its figure, known disagreements, and the sources."""
    lines = [
        "# Validation against published measurements",
        "",
        "Written by `resurfacer validate` from the same run as its figures; do not edit "
        "by hand. Calibration rows are marked and are not checks; rows whose figure the "
        "model takes as an input are marked `input`; rows the model cannot simulate say why. "
        "Check rows outside their bounds are listed with the reason under each table's "
        "\"Known disagreements\"; a narrow Gaussian column's note adds its reading at "
        "M^2 = 2, since no maker publishes the beam quality the presets idealise as 1, and "
        "with its spot read as a full width at half maximum (1/e^2 diameter 1.7x the "
        "row's), since most rows do not say which diameter their spot is (the model "
        "takes 1/e^2, as Hantash et al. 2007 state theirs).",
        "",
    ]
    tables = registered_tables()
    groups = by_table(results)
    for name, rows in groups.items():
        lines.append(f"* `data/validation/{name}.csv`: {table_statistics(rows, '**')}.")
    lines += [
        "",
        "The column rows are also set beside any column a user runs: `resurfacer mtz` lists "
        "the rows measured at like settings (wavelength, stacking, spot and energy or "
        f"fluence within {LIKE_FACTOR:g}x) with the column's reading against each row's "
        "bound, and "
        "`simulate` adds a model note for each such row outside its bound "
        "(`resurfacer.column.published`).",
        "",
    ]
    by_figure = {p.stem: p for p in figures}
    for name, rows in groups.items():
        lines += _table_section(tables[name], rows, by_figure, docs)
    return "\n".join(lines) + "\n"


def _table_section(table, rows: list[RowResult], by_figure: dict, docs: Path) -> list[str]:
    """One table's part of the page: its title and description (a titled table's
    quantities are sub-headings), a table per quantity with its figures, the check rows
    known to lie outside their bounds, and the sources."""
    head = "###" if table.title else "##"
    lines = [f"## {table.title}", "", table.description, ""] if table.title else []
    for quantity in sorted({r.quantity for r in rows}):
        lines += [f"{head} {quantity.replace('_', ' ')}", ""]
        for key in sorted({figure_key(rows, r) for r in rows if r.quantity == quantity}):
            if key in by_figure:
                rel = Path(os.path.relpath(by_figure[key], docs)).as_posix()
                lines += [f"![{key}]({rel})", ""]
        lines += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        for r in rows:
            if r.quantity == quantity:
                cells = [c.replace("|", "/") for c in _row_cells(r)]
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    known = grouped_disagreements(rows)
    if known:
        lines += [f"{head} Known disagreements", ""]
        lines += [f"* {', '.join(ids)}: {why}" for ids, why in known]
        lines.append("")
    lines += [f"{head} Sources", ""]
    seen: dict[str, list[str]] = {}
    for r in rows:
        seen.setdefault(r.source, []).append(r.id)
    lines += [f"* {', '.join(ids)}: {source}" for source, ids in seen.items()]
    lines.append("")
    return lines

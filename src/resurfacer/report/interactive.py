"""Interactive figures of a treatment (plotly), opt-in in the HTML report.

Each function returns a `plotly.graph_objects.Figure`; `to_div` turns one into an HTML
fragment that needs plotly's JavaScript on the page. The report never inlines that
script: it writes `PLOTLY_FILE` (the copy bundled with the installed plotly package,
`plotly_js`) beside ``report.html`` and loads it by relative path; nothing is
fetched from the network.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from resurfacer.common.units import PER_METRE_UM
from resurfacer.report.figures import PASS_COLORS, mirrored, pass_label

#: plotly config: no logo link to plotly.com in the mode bar.
CONFIG = {"displaylogo": False, "responsive": True}
#: the file name of plotly.js written beside an interactive report
PLOTLY_FILE = "plotly.min.js"


def plotly_js() -> str:
    """plotly.js from the installed plotly package (minified, about 4.8 MB)."""
    return get_plotlyjs()


def to_div(fig: go.Figure, div_id: str) -> str:
    """An HTML fragment (a div and its script) drawing `fig`; plotly.js not included."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        config=CONFIG,
        div_id=div_id,
        default_height="460px",
    )


def bulk_temperature(outcome) -> go.Figure:
    """Temperature at the hottest between-column probe over one pattern, per pass."""
    ds = outcome.dataset
    fig = go.Figure()
    t = ds["time"].values
    for i, s in enumerate(outcome.summary.passes):
        temp = ds["bulk_temperature_history"].isel(**{"pass": i}).values
        ok = np.isfinite(temp)
        fig.add_trace(
            go.Scatter(
                x=t[ok],
                y=temp[ok],
                mode="lines",
                name=f"pass {i + 1}: {s.mode or s.kind}",
                line={"color": PASS_COLORS[i % len(PASS_COLORS)]},
                hovertemplate="%{x:.3f} s<br>%{y:.2f} °C<extra></extra>",
            )
        )
    fig.update_layout(
        title="Bulk temperature at the hottest point between columns (one pattern)",
        xaxis_title="time from the first spot of the pattern [s]",
        yaxis_title="temperature [°C]",
        template="plotly_white",
    )
    return fig


def dose_response(plan, pass_index: int, curve) -> go.Figure:
    """Ablation depth and coagulation cuff vs pulse energy (a computed
    `resurfacer.sweeps.dose.DoseCurve`), the setting fired on its area marked."""
    c = curve
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=c.energies_mj,
            y=c.ablation_depth_um,
            mode="lines+markers",
            name="ablation depth [µm]",
            hovertemplate="%{x:.4g} mJ: %{y:.0f} µm deep<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=c.energies_mj,
            y=c.coagulation_thickness_um,
            mode="lines+markers",
            name="coagulation cuff [µm]",
            yaxis="y2",
            line={"dash": "dash", "color": "#d62728"},
            hovertemplate="%{x:.4g} mJ: cuff %{y:.1f} µm<extra></extra>",
        )
    )
    fig.add_vline(x=c.chosen_mj, line_dash="dot", annotation_text=f"plan: {c.chosen_mj:g} mJ")
    fig.update_layout(
        title=f"{pass_label(plan.passes[pass_index], pass_index)}: depth and coagulation vs "
        f"energy on {c.shown_on}",
        xaxis_title="pulse energy [mJ]",
        yaxis={"title": "ablation depth [µm]", "rangemode": "tozero"},
        yaxis2={
            "title": "coagulation cuff thickness [µm]",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
        },
        template="plotly_white",
        legend={"x": 0.01, "y": 0.99},
    )
    return fig


def cross_section(column_result, title: str = "") -> go.Figure:
    """End-of-pulse temperature of one column, mirrored, equal x and z scales; the
    crater is blank and the coagulated zone is outlined."""
    fields = column_result.fields
    spot = float(column_result.inputs.get("spot_diameter_m", 2 * float(fields.r.max())))
    x, z, f = mirrored(fields, column_result.geometry, spot)
    s = column_result.summary
    deepest = float(np.nanmax([s.ablation_depth, s.coagulation_depth, 50e-6])) * PER_METRE_UM
    keep = z <= min(float(z.max()), 1.3 * deepest)
    z = z[keep]
    temp = np.where(f["ablated"][keep] > 0.5, np.nan, f["temperature_end_of_pulse"][keep])
    fig = go.Figure(
        go.Heatmap(
            x=x,
            y=z,
            z=temp,
            colorscale="YlOrRd",
            zmin=37.0,
            zmax=min(max(60.0, float(np.nanmax(temp))), 150.0),
            colorbar={"title": "°C"},
            hovertemplate="x %{x:.0f} µm, depth %{y:.0f} µm: %{z:.1f} °C<extra></extra>",
        )
    )
    fig.add_trace(
        go.Contour(
            x=x,
            y=z,
            z=f["coagulated"][keep].astype(float),
            contours={"start": 0.5, "end": 0.5, "coloring": "none"},
            line={"color": "#0b4fb3", "width": 2},
            showscale=False,
            hoverinfo="skip",
            name="coagulated (Ω ≥ 1)",
        )
    )
    fig.update_layout(
        title=title or "temperature at the end of the pulse; outline: coagulated zone",
        xaxis_title="distance from beam axis [µm]",
        yaxis={"title": "depth below skin surface [µm]", "autorange": "reversed"},
        template="plotly_white",
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig

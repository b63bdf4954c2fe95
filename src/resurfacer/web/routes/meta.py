"""What the server offers: the plan schema, the device presets, the planner's
indications, the caps, its health."""

from typing import Any

from fastapi import APIRouter, Request

from resurfacer import __version__
from resurfacer.plan.schema import AREA_PRESETS, DEVICES, Plan
from resurfacer.planning.planner import INDICATIONS
from resurfacer.tissue.skin import SITES
from resurfacer.web import limits
from resurfacer.web.models import Health, Presets, errors

router = APIRouter()


def indications() -> dict:
    """The planner's indications: name, the depth metric and range, least coverage."""
    keys = ("name", "metric", "min_um", "max_um", "min_coverage_percent")
    return {k: {key: v[key] for key in keys} for k, v in INDICATIONS.items()}


def presets() -> dict:
    """Devices (modes with their defaults and ranges), sites, area presets, the
    planner's indications, caps."""
    devices = {}
    for name, device in DEVICES.items():
        modes = {
            # sources and notes (with their maintainer remarks) stay in the data file
            mode: {
                k: v
                for k, v in spec.items()
                if k not in ("source", "note") and not k.endswith("_source")
            }
            for mode, spec in device["modes"].items()
            if "combines" not in spec
        }
        devices[name] = {
            "name": device.get("name", name),
            "default_mode": device["default_mode"],
            "modes": modes,
        }
    return {
        "devices": devices,
        "sites": list(SITES),
        "area_presets": list(AREA_PRESETS),
        "indications": indications(),
        "limits": {
            "max_body_bytes": limits.MAX_BODY_BYTES,
            "max_total_area_cm2": limits.MAX_TOTAL_AREA_CM2,
            "max_columns": limits.MAX_COLUMNS,
            "max_spots_per_pattern": limits.MAX_SPOTS_PER_PATTERN,
            "max_pulse_train_ms": limits.MAX_PULSE_TRAIN_MS,
            "max_mean_fluence_j_cm2": limits.MAX_MEAN_FLUENCE_J_CM2,
            "max_plan_areas": limits.MAX_PLAN_AREAS,
            "max_plan_n_best": limits.MAX_PLAN_N_BEST,
        },
        "version": __version__,
    }


@router.get(
    "/api/schema",
    summary="The plan JSON Schema",
    response_model=dict[str, Any],
    responses=errors(421),
)
def schema():
    return Plan.json_schema()


@router.get(
    "/api/presets",
    summary="Devices, sites, area presets, indications and the server's caps",
    response_model=Presets,
    responses=errors(421),
)
def get_presets():
    return presets()


@router.get(
    "/api/health",
    summary="Workers, jobs and stored results",
    response_model=Health,
    responses=errors(421),
)
def health(request: Request):
    state = request.app.state
    return {
        "status": "ok",
        "version": __version__,
        "stored_results": len(state.store),
        **state.jobs.stats(),
    }

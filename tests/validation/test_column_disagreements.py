"""The column table's known disagreements (data/validation/column_disagreements.toml):
each names a check row of the table, once, with a reason that `validate` prints."""

from resurfacer.validation.column import TABLE, disagreement, known_disagreements
from resurfacer.validation.report import text_table
from resurfacer.validation.run import RowResult
from resurfacer.validation.tables import read_rows


def test_every_disagreement_names_a_check_row_of_the_table():
    rows = {row["id"]: row for row in read_rows(TABLE)}
    known = known_disagreements()
    assert known
    for row_id, reason in known.items():
        assert rows[row_id]["role"] == "check", row_id
        assert len(reason) > 40 and "\n" not in reason
        assert disagreement(rows[row_id]) == reason


def test_validate_prints_the_reason_under_its_table():
    known = known_disagreements()
    row_id = sorted(known)[0]
    out = RowResult(
        table="column", id=row_id, quantity="crater_depth", unit="um", role="check",
        measured=10.0, low=None, high=None, source="s", model=40.0, error=3.0, within=False,
        bound="5-20", balance_error=None, detail="", reason="", disagreement=known[row_id],
    )  # fmt: skip
    text = text_table([out])
    assert f"  {row_id} OUT: {known[row_id]}" in text.splitlines()


def test_a_fresh_solve_and_a_cached_one_give_the_same_plain_verdict():
    """A model figure straight from the solver is a NumPy float; its verdict must still be
    a plain bool, as from the cache's JSON, or the figures mark it differently."""
    import numpy as np

    from resurfacer.validation.run import _result

    row = next(r for r in read_rows(TABLE) if r["id"] == "col-033")
    fresh = _result(TABLE, row, {"model": np.float64(1944.0)})
    cached = _result(TABLE, row, {"model": 1944.0})
    assert fresh.within is False and cached.within is False


def test_a_narrow_gaussian_row_shows_its_reading_at_a_poorer_beam():
    """No maker publishes M^2 (the presets take 1): a narrow Gaussian column's reading is
    also given at the top of `M2_BAND`, a poorer beam drilling less deep; full-field rows
    (1-D stacks) carry no such reading."""
    from resurfacer.laser.beam import M2_BAND
    from resurfacer.validation.column import _solve

    rows = {row["id"]: row for row in read_rows(TABLE)}
    narrow = rows["col-033"]  # eCO2 120 um tip, 80 mJ
    ideal, poorer = _solve(narrow)[0], _solve(narrow, m_squared=M2_BAND[1])[0]
    assert poorer.ablation_depth < ideal.ablation_depth
    detail = TABLE.models["crater_depth"](narrow).detail
    assert f"at M^2 = {M2_BAND[1]:g}: {poorer.ablation_depth * 1e6:.4g} um" in detail
    assert "M^2" not in TABLE.models["removal_per_pass"](rows["col-028"]).detail

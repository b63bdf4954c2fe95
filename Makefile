# resurfacer: every target sets up its virtual environment from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint calibrate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## run: simulate the example fractional CO2 column and print its summary
run: $(STAMP)
	$(BIN)/resurfacer mtz --wavelength-nm 10600 --energy-mj 10 --spot-um 120 --pulse-ms 0.5 \
		--site cheek --after-ms 20 --out out/co2-column.nc

## test: lint and run the whole test suite
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

## bench: speed benchmarks (results go to benchmarks/RESULTS.md by hand)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_column.py
	$(BIN)/python benchmarks/bench_montecarlo.py

## calibrate: re-derive the ablation parameters in src/resurfacer/data/ablation.toml
calibrate: $(STAMP)
	$(BIN)/python benchmarks/calibrate_ablation.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache

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

## run: simulate the reference dual CO2 full-face plan; print it, save the outcome and the report
run: $(STAMP)
	$(BIN)/resurfacer simulate examples/co2-dual-full-face.toml --out out/co2-dual-full-face \
		--report out/co2-dual-full-face/report
	@echo "report: out/co2-dual-full-face/report/report.html"

## test: lint, type-check the package, fill the numba cache in one process, run the
## whole test suite (with the docstring examples) on one pytest-xdist worker per core,
## each test file on one worker (its module fixtures solved once)
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m resurfacer.cli.warmup
	$(BIN)/python -m pytest -n auto --dist loadfile

## bench: speed benchmarks (results go to benchmarks/RESULTS.md by hand)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_column.py
	$(BIN)/python benchmarks/bench_treatment.py
	$(BIN)/python benchmarks/bench_montecarlo.py
	$(BIN)/python benchmarks/bench_planner.py
	$(BIN)/python benchmarks/bench_sweep.py --points 1000
	$(BIN)/python benchmarks/bench_web_load.py

## calibrate: re-derive the ablation parameters in src/resurfacer/data/ablation.toml
calibrate: $(STAMP)
	$(BIN)/python scripts/calibrate_ablation.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache src/resurfacer/kernels/__pycache__/numba-*

# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python >= 3.12 needed (see .python-version)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

## run: create the environment, run every strategy once on the default organization, then
##      the headline sweep on all local cores (results/headline/, a few minutes on 2 cores),
##      the strategies at equal budget, equal total effort and zero budget (results/levers/),
##      and the headline report (results/headline/report.md and report.html, with figures/)
run: $(STAMP)
	$(BIN)/python -m sim
	$(BIN)/lean-sim -m experiment=headline hydra/launcher=joblib
	$(BIN)/python -m experiments.levers
	$(BIN)/lean-sim-report results/headline

## results: regenerate every committed result, in the order they depend on each other
##          (hours on 2 cores; each step resumes where it stopped): calibration, headline,
##          levers, factorial, validation, sensitivity, break-even, the verdict under the
##          posterior, scenario discovery, then the headline report
.PHONY: results
results: $(STAMP)
	$(BIN)/lean-sim-calibrate
	$(BIN)/lean-sim -m experiment=headline hydra/launcher=joblib
	$(BIN)/python -m experiments.levers
	$(BIN)/lean-sim -m experiment=factorial hydra/launcher=joblib
	$(BIN)/python -m experiments.factorial results/factorial
	$(BIN)/lean-sim-validate
	$(BIN)/lean-sim-sensitivity all
	$(BIN)/python -m experiments.breakeven
	$(BIN)/lean-sim-calibrate verdict
	$(BIN)/lean-sim-discover all --jobs 2
	$(BIN)/lean-sim-report results/headline

## test: create the environment and run the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: viz
## viz: create the environment and serve the browser app on http://127.0.0.1:8765
viz: $(STAMP)
	$(BIN)/lean-sim-viz

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

.PHONY: mutation
## mutation: mutation score of the model core (mutmut against the fast model tests; about 30
##           minutes on 2 cores, not part of make test): benchmarks/results/mutation.json
mutation: $(STAMP)
	nice -n 10 $(BIN)/python benchmarks/mutation.py

.PHONY: bench-sweep
## bench-sweep: sweep throughput against a bare loop, and parallel efficiency (joblib)
bench-sweep: $(STAMP)
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

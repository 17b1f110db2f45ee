# weixi: two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ASSETS := src/weixi/web/static/vendor/echarts.min.js

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,spark]'
	@touch $(STAMP)

# ECharts and htmx from the npm registry, copied into the package (never a CDN at run time).
$(ASSETS): package.json package-lock.json
	bash scripts/build-assets.sh

demo: $(STAMP) $(ASSETS)
	$(VENV)/bin/weixi demo

test: $(STAMP) $(ASSETS)
	@bash scripts/ensure-test-services.sh
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	OMP_WAIT_POLICY=passive $(VENV)/bin/pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	OMP_WAIT_POLICY=passive $(PY) -m benchmarks.run_all

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

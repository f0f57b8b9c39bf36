# The README's commands. Everything they need is installed by them.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3
export PARITY_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test test-sqlite test-postgres bench check-migrations clean screenshots

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[app]'
	@touch $@

# One pip run for the app and its test tools (a clean clone's `make test` resolves once).
# Installed files are compiled now (pip's default): with PYTHONDONTWRITEBYTECODE set, as it
# may be, nothing would cache them later and every process would compile its imports again.
$(VENV)/.test-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[app,test]'
	@touch $(VENV)/.installed $@

## make run: install, migrate, load the demo market, serve on http://127.0.0.1:8000 with the scheduler
run: $(VENV)/.installed
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo load
	@exec scripts/serve

## make test: the whole suite on SQLite, then on PostgreSQL when one answers
test: $(VENV)/.test-installed
	@scripts/ensure-chromium
	@scripts/ensure-axe >/dev/null
	@scripts/ensure-labelstudio >/dev/null || echo "warning: Label Studio 1.23 could not be installed; its test will be skipped" >&2
	@scripts/test

## make screenshots: each role's main pages at 390 and 1280 px into screenshots/ (demo market, Chromium)
screenshots: $(VENV)/.test-installed
	@scripts/ensure-chromium
	$(BIN)/python scripts/screenshots.py

## make bench: every benchmark in bench/ (not part of the test suite; prints numbers and the machine)
bench: $(VENV)/.test-installed
	@scripts/ensure-wrk
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/submit_cpu.py --postgres
	$(BIN)/python bench/reports.py --backend both

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis

# The README's commands. Everything they need is installed by them.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3
export PARITY_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test test-sqlite test-postgres bench check-migrations clean screenshots

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# uv installs the packages: pip took 1.5 min here for the app and its test tools (resolving,
# unpacking one wheel at a time, compiling 10 000 files ahead, most of them never imported),
# uv 10–45 s (15 s from its cache). pip only installs uv itself into the venv.
$(BIN)/uv: | $(BIN)/activate
	$(BIN)/pip install -q 'uv>=0.5'

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[app]'
	@touch $@

# One resolution for the app and its test tools. Nothing is compiled ahead: scripts/test lets
# Python write the bytecode of what the tests import, once, into the venv and the work tree.
$(VENV)/.test-installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[app,test]'
	@touch $(VENV)/.installed $@

## make run: install, migrate, load the demo market, serve on http://127.0.0.1:8000 with the scheduler
run: $(VENV)/.installed
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo load
	@exec scripts/serve

## make test: the whole suite on SQLite, and on PostgreSQL when one answers, side by side
# Label Studio (for one test, ≈ 7 min to install on a new machine, cached after) is not
# installed here: its test's fixture runs scripts/ensure-labelstudio in a thread from the
# moment the tests are collected, beside the rest of the suite (skipped, with the reason, when
# it cannot be installed).
test: $(VENV)/.test-installed
	@scripts/ensure-chromium
	@scripts/ensure-axe >/dev/null
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
	$(BIN)/python bench/submit_wal.py
	$(BIN)/python bench/reports.py --backend both

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis

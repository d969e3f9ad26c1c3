# errorflow: `make demo` runs the main job, `make test` the tests; each sets up what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: demo test lint bench notebooks fuzz reliability dot chromium docs docs-test clean

$(STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# Graphviz's `dot` renders the diagrams: installed from Debian when missing (as root or with sudo).
dot:
	@bash scripts/ensure-dot.sh

# Headless Chromium runs the backprop player's browser test: Debian's `chromium`, installed when missing. If it
# cannot be installed here, that one test is skipped (and says why); the rest of `make test` still runs.
chromium:
	@bash scripts/ensure-chromium.sh || echo "warning: no Chromium, the player's browser test will be skipped" >&2

demo: $(STAMP) dot
	$(PY) -m autodiff demo

test: $(STAMP) dot chromium
	@$(PY) -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure"; exit 1; fi; exit $$status

# The documentation site, static HTML in site/ (mkdocs.yml; `--strict`: any warning, broken link or missing API
# entry fails). The gallery runs the library, so `dot` is needed; the docs packages are the [docs] extra.
$(DOCS_STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[docs]'
	@touch $(DOCS_STAMP)

docs: $(DOCS_STAMP) dot
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

# The built site in headless Chromium (tests/docs, marked `site`, left out of `make test`); screenshots of the
# pages it opens go to build/docs-screenshots/.
docs-test: docs $(STAMP) chromium
	$(PY) -m pytest -m site tests/docs

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Benchmarks time peers side by side in one process; peers are installed here only, never at run time. The tables
# are also written to bench/results.md, which the site's Benchmarks page shows (with the run's date and machine).
bench: $(STAMP)
	$(PY) -m pip install -q micrograd==0.1.0 torch==2.13.0 scikit-learn
	cd bench && set -o pipefail && ../$(PY) run.py | tee results.md.part && mv results.md.part results.md

# Generated input against the CLI expression parser and Module.load, for a bounded time (not in the unit suite).
fuzz: $(STAMP)
	-$(PY) -m pip install -q atheris 2>/dev/null
	$(PY) scripts/fuzz.py --seconds 60 --atheris

# The reliability pass's heavy checks (kills mid-save, 8-thread backward races, the CLI under a file-size limit,
# closed pipes, three console encodings), about two minutes; not in the unit suite.
reliability: $(STAMP) dot
	$(PY) scripts/reliability.py

notebooks: $(STAMP) dot
	$(PY) notebooks/build.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache .hypothesis site .cache build/docs-screenshots

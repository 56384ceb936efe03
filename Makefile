# townhall: the two set-up commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_FOLDER ?= ashbury
DEMO_RESIDENTS ?= 10000
INSTALLED := $(VENV)/.installed
ASSETS := townhall/web/static/.built

.PHONY: demo test lint install assets browser services clean bench

demo: $(INSTALLED) $(ASSETS)
	$(BIN)/townhall demo $(DEMO_FOLDER) --residents $(DEMO_RESIDENTS)

test: $(INSTALLED) $(ASSETS) browser services lint
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: $(INSTALLED)
	$(BIN)/ruff check townhall tests bench scripts

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("townhall needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

assets: $(ASSETS)

$(ASSETS): package.json package-lock.json scripts/build_assets.py $(wildcard townhall/web/frontend/*) $(INSTALLED)
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/build_assets.py
	touch $@

# Browser tests drive Debian's Chromium; install it when missing and we may (root), otherwise say how.
browser:
	@command -v chromium >/dev/null 2>&1 || sh scripts/install_chromium.sh

# The services some tests talk to (an MQTT broker, and more as they are added): installed and started when missing.
services:
	@sh scripts/install_services.sh

# Every benchmark runs, each building what it needs (cached under the system temporary folder); the ones that failed
# are listed at the end. bench/README.md says what each measures.
BENCH_HELPERS := bench/cached_demo.py
BENCHMARKS := $(filter-out $(BENCH_HELPERS),$(sort $(wildcard bench/*.py)))

bench: $(INSTALLED)
	@failed=""; for script in $(BENCHMARKS); do \
		echo "== $$script"; \
		$(BIN)/python $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "Benchmarks that failed:$$failed"; exit 1; fi; \
	echo "All $(words $(BENCHMARKS)) benchmarks ran."

clean:
	rm -rf $(VENV) node_modules townhall/web/static $(DEMO_FOLDER)

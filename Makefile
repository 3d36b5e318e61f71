# The two commands a newcomer needs: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# The screens: front-end packages from the npm registry (package-lock.json), bundled by Vite
# into the Python package; rebuilt only when their sources change. No CDN at run time.
UI_OUT  := src/cityops/web/static/ui/index.html
UI_DEPS := frontend/node_modules/.package-lock.json
UI_SRC  := $(shell find frontend/src -type f 2>/dev/null) frontend/index.html frontend/vite.config.js

.PHONY: demo test install ui browser lint typecheck unit bench-http bench-mqtt bench-detect bench-screen lock clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "CityOps needs Python 3.11+"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(UI_DEPS): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

$(UI_OUT): $(UI_DEPS) $(UI_SRC)
	cd frontend && npm run build

ui: $(UI_OUT)

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	bash scripts/install_browser.sh

demo: $(STAMP) ui
	$(BIN)/cityops demo $(ARGS)

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) ui browser
	$(BIN)/pytest $(PYTEST_ARGS)

bench-http: $(STAMP)
	$(BIN)/python -m bench.ingest_http $(ARGS)

bench-mqtt: $(STAMP)
	$(BIN)/python -m bench.ingest_mqtt $(ARGS)

bench-detect: $(STAMP)
	$(BIN)/python -m bench.detect $(ARGS)

bench-screen: $(STAMP) ui browser
	$(BIN)/python -m bench.screen --devices 10000 50000 240000 --browser $(ARGS)

# Refresh the pinned versions after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/cityops-lock && $(PYTHON) -m venv /tmp/cityops-lock
	/tmp/cityops-lock/bin/pip install -q -e '.[dev]'
	/tmp/cityops-lock/bin/pip freeze --exclude-editable | sort > constraints.txt

clean:
	rm -rf $(VENV) .cityops .mypy_cache .ruff_cache .pytest_cache frontend/node_modules src/cityops/web/static/ui

# Veil: `make run` starts the app, `make test` runs the whole test suite. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck bench lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	@scripts/ensure-system-packages.sh redis
	@scripts/run.sh

test: install
	@scripts/ensure-system-packages.sh redis postgres chromium
	$(VENV)/bin/ruff check .
	VEIL_DEV=1 $(VENV)/bin/lint-imports
	VEIL_DEV=1 $(VENV)/bin/mypy anonymizer/engine
	SECRET_KEY=test-only-$$RANDOM$$RANDOM VEIL_DEV=1 scripts/with-test-services.sh \
		$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	VEIL_DEV=1 $(VENV)/bin/lint-imports
	VEIL_DEV=1 $(VENV)/bin/mypy anonymizer/engine

bench: install
	@scripts/ensure-system-packages.sh redis postgres
	SECRET_KEY=bench-only-$$RANDOM VEIL_DEV=1 scripts/with-test-services.sh $(PY) benchmarks/ingest.py

# Re-resolve and pin every dependency (run after changing pyproject.toml).
lock:
	rm -rf /tmp/veil-lock && $(PYTHON) -m venv /tmp/veil-lock
	/tmp/veil-lock/bin/pip install -q -e ".[dev]"
	/tmp/veil-lock/bin/pip freeze --exclude-editable | grep -v '^veil' > requirements.lock

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .mypy_cache .ruff_cache

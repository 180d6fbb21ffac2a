# Data360 Chat. `make run` serves the app on http://localhost:3000; `make test` runs every test.
# Both set up everything they need first (a .venv with locked, hash-checked packages; bun in tools/).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The public Data360 MCP server the tests run against, in a venv of its own (its dependencies conflict with ours).
PARTNER := .venv-partner
BUN := tools/node_modules/.bin/bun
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: run dev test lint format lock bench setup image image-test partner

# Log lines for people here (LOG_FORMAT=text) unless told otherwise; the image logs JSON.
run: setup
	LOG_FORMAT=$${LOG_FORMAT:-text} $(PY) -m data360_chat serve

dev: setup
	LOG_FORMAT=$${LOG_FORMAT:-text} $(PY) -m data360_chat serve --dev

test: setup $(VENV)/.dev-installed $(PARTNER)/.installed
	tools/ensure-test-deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PATH="$(CURDIR)/tools/node_modules/.bin:$$PATH" $(PY) -m pytest

setup: $(VENV)/.installed $(BUN)

$(VENV)/.installed: requirements-pip.txt requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	touch $@

partner: $(PARTNER)/.installed

$(PARTNER)/.installed: requirements-pip.txt requirements-partner.txt
	test -x $(PARTNER)/bin/python || $(PYTHON) -m venv $(PARTNER)
	$(PARTNER)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.txt
	$(PARTNER)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
		-r requirements-partner.txt
	touch $@

$(BUN): tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	touch $@

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-lock after editing requirements*.in (needs pip-tools: `pip install pip-tools`).
lock:
	pip-compile --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links -q \
		-o requirements-pip.txt requirements-pip.in
	pip-compile --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links --strip-extras -q \
		-o requirements.txt requirements.in
	pip-compile --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links --strip-extras -q \
		-o requirements-dev.txt requirements-dev.in
	tools/lock-partner.sh

bench: setup $(VENV)/.dev-installed
	for script in bench/*.py; do PATH="$(CURDIR)/tools/node_modules/.bin:$$PATH" PYTHONPATH=. $(PY) $$script || exit 1; done

# The container image, built with podman from a Debian base made here (deploy/image.py), then run and driven.
image:
	tools/ensure-test-deps.sh image
	$(PYTHON) -m deploy.image build

image-test: image setup $(VENV)/.dev-installed
	tools/ensure-test-deps.sh
	IMAGE_TEST=1 PATH="$(CURDIR)/tools/node_modules/.bin:$$PATH" $(PY) -m pytest tests/deploy/test_image.py -v -s

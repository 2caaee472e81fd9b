# Entraide — the front door. `make help` lists every target; variables can be overridden:
#   make html SUBMISSIONS=other/ OUTPUT=out/ BUILD_DATE=2026-12-01
PY ?= python3
VENV ?= .venv
PYTHON := $(VENV)/bin/python
PELICAN := $(VENV)/bin/pelican

HOST ?= 127.0.0.1
PORT ?= 8000
ENDPOINT_PORT ?= 8001
SUBMISSIONS ?= submissions
OUTPUT ?= output
BUILD_DATE ?=
PYTEST_ARGS ?=

export ENTRAIDE_SUBMISSIONS_PATH ?= $(SUBMISSIONS)
export ENTRAIDE_BUILD_DATE := $(BUILD_DATE)
# A local build links to the local servers, on the ports asked for (`make serve PORT=8400 ENDPOINT_PORT=8401`);
# `make publish` takes both addresses from the environment and refuses loopback ones (publishconf.py).
html serve: export ENTRAIDE_SITE_URL ?= http://$(HOST):$(PORT)
html serve: export ENTRAIDE_ENDPOINT_URL ?= http://$(HOST):$(ENDPOINT_PORT)

.DEFAULT_GOAL := help
.PHONY: help install install-test browser html publish serve endpoint db test lint format bench schema samples audit vendor clean

help: ## List every target
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[site,serve]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed ## Create the virtual environment and install the site and the endpoint

install-test: $(VENV)/.installed-test browser ## Install what the tests need (Python packages, Chromium)

browser: ## Install Debian's Chromium for the browser tests when it is missing
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

html: install ## Build SUBMISSIONS into OUTPUT (as of BUILD_DATE, default today)
	$(PELICAN) content -o $(OUTPUT) -s pelicanconf.py -e 'SUBMISSIONS_PATH="$(SUBMISSIONS)"' 'BUILD_DATE="$(BUILD_DATE)"'

publish: install ## Build for production with publishconf.py (absolute URLs, feeds, minified assets)
	$(PELICAN) content -o $(OUTPUT) -s publishconf.py -e 'SUBMISSIONS_PATH="$(SUBMISSIONS)"' 'BUILD_DATE="$(BUILD_DATE)"'

# Ctrl-C reaches make, this shell and both servers; the servers, started in the background, ignore it
# (POSIX shells do that without job control) and the shell stops them: the first server to stop, or a
# signal, stops the other, then the shell waits for both, so the ports are free when make returns.
# (The former `trap 'kill 0' ...` signalled the shell itself, which re-entered its trap until it crashed.)
serve: SHELL := /bin/bash
serve: html db ## Set up, build the sample entries, serve the site on PORT and the endpoint on ENDPOINT_PORT
	@echo "Site:     http://$(HOST):$(PORT)/"
	@echo "Endpoint: http://$(HOST):$(ENDPOINT_PORT)/ (local backend: pending entries in pending/, mails in outbox/)"
	@trap 'kill $$site $$endpoint 2>/dev/null; wait; echo "Stopped the site and the endpoint."' EXIT; \
	trap 'exit 0' INT TERM HUP; \
	$(PYTHON) -m entraide.endpoint.serve --host $(HOST) --port $(ENDPOINT_PORT) & endpoint=$$!; \
	$(PYTHON) -m http.server $(PORT) --bind $(HOST) --directory $(OUTPUT) & site=$$!; \
	wait -n

endpoint: db ## Run the form endpoint alone on HOST:PORT with the settings from the environment
	$(PYTHON) -m entraide.endpoint.serve --host $(HOST) --port $(PORT)

db: install ## Bring the store's schema up to date (ENTRAIDE_DATABASE_URL, default the SQLite file entraide.db)
	@$(VENV)/bin/entraide db upgrade

test: install-test ## Install what the tests need and run the whole suite
	$(PYTHON) -m pytest $(PYTEST_ARGS)

lint: install-test ## Check the code with ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install-test ## Run the benchmarks and print their figures
	$(PYTHON) -m bench

schema: install ## Precompile the entry schema's validators after changing the schema or the communes
	$(PYTHON) -m entraide.schema

samples: install ## Regenerate the sample entries shipped in submissions/
	$(PYTHON) -m entraide.samples $(SUBMISSIONS)

audit: install-test ## Lighthouse scores of the demo site: home, a commune, an entry, the map (tiles blocked)
	PYTHON=$(PYTHON) scripts/audit.sh

vendor: ## Re-vendor Leaflet and Leaflet.markercluster from the npm registry
	scripts/vendor.sh

clean: ## Remove built output and caches
	rm -rf $(OUTPUT) .cache .pytest_cache

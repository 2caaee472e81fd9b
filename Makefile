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

.DEFAULT_GOAL := help
.PHONY: help install install-test browser html publish serve endpoint test lint format bench schema samples audit vendor clean

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

serve: html ## Set up, build the sample entries, serve the site on PORT and the endpoint on ENDPOINT_PORT
	@echo "Site:     http://$(HOST):$(PORT)/"
	@echo "Endpoint: http://$(HOST):$(ENDPOINT_PORT)/ (local backend: pending entries in pending/, mails in outbox/)"
	@trap 'kill 0' INT TERM EXIT; \
	ENTRAIDE_SITE_URL=$${ENTRAIDE_SITE_URL:-http://$(HOST):$(PORT)} $(PYTHON) -m entraide.endpoint.serve --host $(HOST) --port $(ENDPOINT_PORT) & \
	$(PYTHON) -m http.server $(PORT) --bind $(HOST) --directory $(OUTPUT)

endpoint: install ## Run the form endpoint alone on HOST:PORT with the settings from the environment
	$(PYTHON) -m entraide.endpoint.serve --host $(HOST) --port $(PORT)

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

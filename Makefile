# Two entry points that work on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test venv bench browser clean

$(BIN)/glassnet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,test-arrays,dask,playground,fast]'
	touch $(BIN)/glassnet

venv: $(BIN)/glassnet

demo: venv
	$(BIN)/glassnet train --dataset digits --test-fraction 0.2 --out $(OUT)/digits
	@echo "The glassnet command is in $(VENV): run '. $(VENV)/bin/activate' to call it as glassnet, or call $(BIN)/glassnet."

# The report's test opens it in headless Chromium; install Debian's package when we can (root, apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium not installed: the browser test of the report will be skipped"; }

# The import contract (the rings of ARCHITECTURE.md, in pyproject.toml), then the tests; the browser
# tests keep their screenshots of the playground in $(OUT)/screenshots.
test: venv browser
	$(BIN)/lint-imports --no-cache
	GLASSNET_ARTIFACTS=$(OUT)/screenshots $(BIN)/python -m pytest

# Both thread settings: as the libraries choose (results.md), and one BLAS thread each (steadier here).
bench: venv
	$(BIN)/python benchmarks/bench_training.py --quick
	$(BIN)/python benchmarks/bench_training.py --quick --threads 1 --output benchmarks/results-1thread.md

clean:
	rm -rf $(VENV) $(OUT)

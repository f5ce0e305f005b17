# Two entry points that work on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test venv bench clean

$(BIN)/glassnet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dask]'
	touch $(BIN)/glassnet

venv: $(BIN)/glassnet

demo: venv
	$(BIN)/glassnet train --dataset digits --out $(OUT)/digits

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python benchmarks/bench_training.py --quick --threads 1

clean:
	rm -rf $(VENV) $(OUT)

# verbatim: two entry points, `make demo` and `make test`; both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
# The stamp is keyed on pyproject.toml, so the install reruns only when dependencies change.
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | sha1sum | cut -c1-12)
PYTEST_ARGS ?=
# Sizes of the end-to-end benchmark (comments from ../shared/data/womens_clothing_reviews).
BENCH_SIZES ?= 10000,50000

.PHONY: demo test test-fast bench install clean

install: $(STAMP)

$(STAMP):
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: 2.13.0 is the local CPU wheel; an unpinned torch pulls GBs of CUDA.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,spark,fast,bench]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: $(STAMP)
	$(VENV)/bin/verbatim demo --force

test: $(STAMP)
	sh scripts/ensure_chromium.sh
	sh scripts/ensure_java.sh
	$(PY) -m pytest $(PYTEST_ARGS)

# Skips the tests that load models; for quick local iterations only (CI runs `make test`).
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

# Speed and memory against the bare encode and BERTopic, fast mode, CLI (not part of `make test`).
# Writes benchmarks/results/pipeline.json and prints the ratios; needs ../shared/data.
bench: $(STAMP)
	$(PY) benchmarks/bench_pipeline.py --sizes $(BENCH_SIZES) --cli --backends 2000 --semeval

clean:
	rm -rf $(VENV) verbatim-demo .pytest_cache

# gradviz — every target a developer or CI needs. `make test` is what CI runs.

CARGO ?= cargo
VENV := target/peer-venv
PYTHON := $(VENV)/bin/python

.PHONY: demo test bench bench-peer lint bless figures

## Build and render the lecture neuron to out/neuron.svg (works without Graphviz).
demo:
	$(CARGO) build --release
	mkdir -p out
	./target/release/gradviz render fixtures/neuron.py -o out/neuron.svg
	@echo "wrote out/neuron-1.svg and out/neuron-2.svg (before and after backward)"

## The whole test suite: unit, integration, golden, CLI and doc tests. The Python tests
## (gradviz against real micrograd) use the venv made here.
test: $(PYTHON)
	GRADVIZ_PYTHON=$(abspath $(PYTHON)) $(CARGO) test --locked

## Benchmarks of the engine, script and renderer (release build): times, bytes per value.
## Extra words select workloads by name: make bench BENCH_ARGS="1M"
bench:
	$(CARGO) bench --locked --bench engine -- $(BENCH_ARGS)

## The same workloads in Python micrograd 0.1.0 (PyPI), side by side with gradviz in one
## table (benches/peer.py, one Python process per workload; about 2-3 minutes).
bench-peer: $(PYTHON)
	$(CARGO) bench --locked --bench engine -- --peer $(abspath $(PYTHON)) $(BENCH_ARGS)

$(PYTHON):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet micrograd==0.1.0

## Formatting and clippy, warnings denied.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

## Rewrite golden files from the current output.
bless:
	GRADVIZ_BLESS=1 $(CARGO) test --locked

## Regenerate every committed figure, byte for byte, with the builtin engine.
figures:
	$(CARGO) build --release
	./scripts/figures.sh

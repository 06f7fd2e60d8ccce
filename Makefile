# gradviz — every target a developer or CI needs. `make test` is what CI runs.

CARGO ?= cargo
VENV := target/peer-venv
PYTHON := $(VENV)/bin/python
PEER_PACKAGES := $(VENV)/.bench-peer-packages

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
	GRADVIZ_TEST_PYTHON=$(abspath $(PYTHON)) $(CARGO) test --locked

## Benchmarks of the engine, scripts, figures, JSON graphs and the layered engine against
## `dot` (release build): times,
## bytes per value, targets met or missed. Extra words select workloads by name, and also
## run the slow ones kept out of the default run: make bench BENCH_ARGS="script 1M"
bench:
	$(CARGO) bench --locked --bench engine -- $(BENCH_ARGS)
	$(CARGO) bench --locked --bench views
	$(CARGO) bench --locked --bench layered

## The same workloads in Python micrograd 0.1.0 and the lecture's draw_dot (graphviz from
## PyPI), side by side with gradviz in one table (benches/peer.py, one Python process per
## workload; about 6-8 minutes on two busy cores).
bench-peer: $(PEER_PACKAGES)
	$(CARGO) bench --locked --bench engine -- --peer $(abspath $(PYTHON)) $(BENCH_ARGS)
	$(CARGO) bench --locked --bench views -- --peer $(abspath $(PYTHON))

$(PYTHON):
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet micrograd==0.1.0 graphviz==0.21

# The lecture's draw_dot needs the graphviz package, which venvs made before it was added
# lack. `python -m pip`, not `pip`: a venv copied from elsewhere keeps a pip whose first
# line names the original venv's python.
$(PEER_PACKAGES): $(PYTHON)
	$(PYTHON) -m pip install --quiet micrograd==0.1.0 graphviz==0.21
	touch $@

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

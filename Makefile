# gradviz — every target a developer or CI needs. `make test` is what CI runs.

CARGO ?= cargo
VENV := target/peer-venv
PYTHON := $(VENV)/bin/python
# A bare Python, without micrograd or graphviz, for users' own scripts and notebooks.
USER_PYTHON := target/user-venv/bin/python
PEER_PACKAGES := $(VENV)/.bench-peer-packages

.PHONY: demo test bench bench-peer bench-package bench-watched lint bless figures

## Build and render the lecture neuron to out/neuron.svg (works without Graphviz).
demo:
	$(CARGO) build --release
	mkdir -p out
	./target/release/gradviz render fixtures/neuron.py -o out/neuron.svg
	@echo "wrote out/neuron-1.svg and out/neuron-2.svg (before and after backward)"

## The whole test suite: unit, integration, golden, CLI and doc tests, then the Python
## package's pytest suite (built into the venv with `pip install ./python`, and run in a
## real notebook kernel too). The Python tests use the venvs made here: gradviz against
## real micrograd, and users' own scripts in a Python without the graphviz package.
test: $(PYTHON) $(USER_PYTHON)
	GRADVIZ_TEST_PYTHON=$(abspath $(PYTHON)) GRADVIZ_TEST_USER_PYTHON=$(abspath $(USER_PYTHON)) \
		$(CARGO) test --locked
	$(PYTHON) -m pip install --quiet ./python pytest nbclient nbformat ipykernel nbconvert
	$(PYTHON) -m pytest -q tests/python_package

## Benchmarks of the engine, scripts, figures, JSON graphs and the layered engine against
## `dot` (release build): times,
## bytes per value, targets met or missed. Extra words select workloads by name, and also
## run the slow ones kept out of the default run: make bench BENCH_ARGS="script 1M"
bench:
	$(CARGO) bench --locked --bench engine -- $(BENCH_ARGS)
	$(CARGO) bench --locked --bench views
	$(CARGO) bench --locked --bench page
	$(CARGO) bench --locked --bench layered

## The same workloads in Python micrograd 0.1.0 and the lecture's draw_dot (graphviz from
## PyPI), side by side with gradviz in one table (benches/peer.py, one Python process per
## workload; about 6-8 minutes on two busy cores).
bench-peer: $(PEER_PACKAGES)
	$(CARGO) bench --locked --bench engine -- --peer $(abspath $(PYTHON)) $(BENCH_ARGS)
	$(CARGO) bench --locked --bench views -- --peer $(abspath $(PYTHON))

## A training notebook (fixtures/python/moons.ipynb, micrograd's demo in the same shape) under
## `gradviz render` against the same code in plain CPython, with micrograd 0.1.0: the cost of
## being watched, broken down (benches/watched.py; BENCH_ARGS="--steps 100" for the demo's
## length, "--commands render compare check" for the other commands).
bench-watched: $(PEER_PACKAGES)
	$(CARGO) build --locked --release
	$(PYTHON) benches/watched.py --gradviz target/release/gradviz $(BENCH_ARGS)

## The Python package (built into the venv) against the lecture's draw_dot through Graphviz.
bench-package: $(PEER_PACKAGES)
	$(PYTHON) -m pip install --quiet ./python
	$(PYTHON) benches/package.py

$(USER_PYTHON):
	python3 -m venv --without-pip target/user-venv

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
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

## Rewrite golden files from the current output.
bless:
	GRADVIZ_BLESS=1 $(CARGO) test --locked

## Regenerate every committed figure, byte for byte, with the builtin engine.
figures:
	$(CARGO) build --release
	./scripts/figures.sh

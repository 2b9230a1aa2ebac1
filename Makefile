# Two commands do all the set-up on a fresh Debian machine with Swift:
#   make demo   installs missing system packages, builds release, runs the demo
#   make test   installs missing system packages, runs the whole test suite (optimised build)
SWIFT ?= swift
RELEASE_FLAGS = -c release
BIN = .build/release/auxsweep

.PHONY: bootstrap build demo test bench clean

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build $(RELEASE_FLAGS) --product auxsweep

# The demo sweep (2 aux weights x 3 seeds, about 3 minutes on 2 cores) into results/auxsweep.sqlite,
# then its ablation table. Run it again and it resumes (or just prints the table when done).
demo: build
	$(BIN) run sweeps/demo.yaml

# The suite runs optimised (numeric loops are 10-100x slower in debug builds) with testing enabled,
# with a throwaway PostgreSQL server on 127.0.0.1 started first and stopped after (scripts/test.sh).
test: bootstrap
	scripts/test.sh

# Throughput and where the time goes, then the convolution kernels (BENCHMARKS.md; the side-by-side
# run against PyTorch is tools/bench/side_by_side.py, which needs CPU PyTorch: tools/reference/README.md).
bench: build
	$(BIN) bench --breakdown
	$(BIN) bench-kernels

clean:
	rm -rf .build

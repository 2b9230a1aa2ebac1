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

# Until the sweep runner exists: one short PSPNet-mini job (about 40 s), its mIoU curve on stdout.
demo: build
	$(BIN) train --aux-weight 0.4 --seed 0 --iterations 600 --eval-every 200

# The suite runs optimised (numeric loops are 10-100x slower in debug builds) with testing enabled.
test: bootstrap
	$(SWIFT) test $(RELEASE_FLAGS) -Xswiftc -enable-testing --disable-xctest

bench: build
	$(BIN) bench
	$(BIN) bench-kernels

clean:
	rm -rf .build

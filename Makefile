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

demo: build
	$(BIN) core-demo --steps 30

# The suite runs optimised (numeric loops are 10-100x slower in debug builds) with testing enabled.
test: bootstrap
	$(SWIFT) test $(RELEASE_FLAGS) -Xswiftc -enable-testing --disable-xctest

bench: build
	$(BIN) bench-kernels

clean:
	rm -rf .build

# Parlor's two commands (see README.md):
#   make demo   installs what is missing, builds, and starts Parlor
#   make test   installs what the tests need and runs the whole suite
# Other targets: deps, test-deps, build, release, install (PREFIX=/usr/local), clean.

# Debian packages Parlor needs to build and run.
DEB_RUNTIME := libasound2-dev libopus-dev libsodium-dev libncursesw5-dev pkg-config
# Debian packages the tests need: tmux drives the TUI, espeak-ng and sox make speech,
# alsa-utils gives aplay/arecord, curl reads the metrics endpoint, python3-pip brings the interop and quality tools.
DEB_TEST := tmux espeak-ng sox alsa-utils curl python3 python3-pip
# PyPI packages the tests need: an independent Noise peer, PESQ and STOI.
PY_TEST := noiseprotocol pesq pystoi

PREFIX ?= /usr/local
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
SWIFT ?= swift

.PHONY: demo deps test-deps build release install test clean

demo: deps build
	.build/debug/parlor doctor

deps:
	@DEB="$(DEB_RUNTIME)" SUDO="$(SUDO)" sh scripts/install-debs.sh

test-deps: deps
	@DEB="$(DEB_TEST)" SUDO="$(SUDO)" sh scripts/install-debs.sh
	@python3 -c "import noise, pesq, pystoi" 2>/dev/null || python3 -m pip install --quiet $(PY_TEST) \
		|| python3 -m pip install --quiet --break-system-packages $(PY_TEST)

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# The binary, and the themes where it looks for them (PREFIX/share/parlor/themes).
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/parlor/themes
	install -m 0755 .build/release/parlor $(DESTDIR)$(PREFIX)/bin/parlor
	install -m 0644 Themes/*.toml $(DESTDIR)$(PREFIX)/share/parlor/themes/

test: test-deps
	$(SWIFT) test

clean:
	rm -rf .build

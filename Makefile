# Parlor's two commands (see README.md):
#   make demo   installs what is missing, builds, and starts Parlor
#   make test   installs what the tests need and runs the whole suite
# Other targets: deps, test-deps, build, release, install (PREFIX=/usr/local), clean,
# fuzz (FUZZ_SECONDS=N per decoder).

# Debian packages Parlor needs to build and run.
# libnats-dev is the NATS C client a relay joins a cluster with (`parlor serve --cluster`);
# libspeexdsp-dev and libwebrtc-audio-processing-dev are the capture chain (echo, gain; noise).
DEB_RUNTIME := libasound2-dev libopus-dev libopusenc-dev libogg-dev libsodium-dev libncursesw5-dev libnats-dev libspeexdsp-dev libwebrtc-audio-processing-dev pkg-config
# Debian packages the demo adds: espeak-ng and sox make the demo speaker's speech.
DEB_DEMO := espeak-ng sox
# Debian packages the tests need: tmux drives the TUI, espeak-ng and sox make speech,
# alsa-utils gives aplay/arecord, curl reads the metrics endpoint, tcpdump captures a room for the
# privacy test, jq runs the README's script, procps gives pgrep (the demo test checks nothing is
# left running), python3-pip brings the interop and quality tools, iproute2 and iptables make the
# network namespaces and faults of the network-fault tests, opus-tools (opusinfo, opusdec) reads
# the Ogg Opus recordings, strace shows which devices a listener opens, nats-server is the NATS the
# cluster tests start their own of.
DEB_TEST := tmux opus-tools espeak-ng sox alsa-utils curl tcpdump jq procps python3 python3-pip iproute2 iptables strace nats-server
# PyPI packages the tests need: an independent Noise peer, PESQ and STOI.
PY_TEST := noiseprotocol pesq pystoi

PREFIX ?= /usr/local
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
SWIFT ?= swift

.PHONY: demo deps test-deps build release install test clean

# The demo: a release build, a little speech made with espeak-ng (not committed), and the host's
# terminal face in a room with a demo speaker and audience, on a relay inside the process.
DEMO_DIR := .build/demo
DEMO_TEXT := Welcome to Parlor. This room runs on a relay that cannot listen: the audio you hear \
	is encrypted end to end, and the relay cannot read the room title or anyone's name. \
	Someone in the audience has raised a hand. Select them and press Enter to invite them up.
demo: deps
	@DEB="$(DEB_DEMO)" SUDO="$(SUDO)" sh scripts/install-debs.sh
	$(SWIFT) build -c release --product parlor
	@mkdir -p $(DEMO_DIR)
	@test -s $(DEMO_DIR)/speech.wav || { espeak-ng -s 150 -w $(DEMO_DIR)/espeak.wav "$(DEMO_TEXT)" && \
		sox $(DEMO_DIR)/espeak.wav -r 48000 -c 1 -b 16 $(DEMO_DIR)/speech.wav pad 0 2; }
	.build/release/parlor host --title 'Parlor demo' --name You --demo $(DEMO_DIR)/speech.wav

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

# The suite, then every decoder's fuzz target for a short while (a minute in all; `make fuzz`
# runs them longer). Suites run one after another: the room tests measure speech quality and
# latency in real time, and on two cores parallel suites starve their clock threads (PESQ fell
# from 3.91 to 3.35 that way); serially the whole suite takes about 20 s longer.
# As root, the network-fault tests must run (PARLOR_REQUIRE_NETNS=1): where network namespaces
# cannot be made they fail rather than skip; so must the CPU-starvation test, which needs real-time
# privilege (PARLOR_REQUIRE_RT=1). Other users may skip them. See docs/TESTING.md.
REQUIRE_NETNS ?= $(if $(filter 0,$(shell id -u)),1,0)
REQUIRE_RT ?= $(if $(filter 0,$(shell id -u)),1,0)
test: test-deps
	PARLOR_REQUIRE_NETNS=$(REQUIRE_NETNS) PARLOR_REQUIRE_RT=$(REQUIRE_RT) $(SWIFT) test --no-parallel
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

clean:
	rm -rf .build

# Fuzzing: one libFuzzer executable per decoder (Fuzz/Package.swift), each run FUZZ_SECONDS.
# SwiftPM renames an executable's `main`, which clashes with the `main` that -sanitize=fuzzer
# links in; so the targets get -sanitize=fuzzer's instrumentation (address sanitizer plus the
# coverage it turns on) and libFuzzer's no-main runtime, and call its driver themselves.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_TARGETS := InviteLink ControlMessage MediaDatagram SFrameHeader FrameAuthentication
FUZZ_SCRATCH := $(CURDIR)/.build-fuzz
FUZZ_WORK ?= $(FUZZ_SCRATCH)/corpus
FUZZ_RUNTIME = $(shell dirname $$(readlink -f $$(command -v $(SWIFT))))/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a
FUZZ_FLAGS = -c release --scratch-path $(FUZZ_SCRATCH) -Xswiftc -sanitize=address \
	-Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
	-Xlinker $(firstword $(wildcard $(FUZZ_RUNTIME))) -Xlinker -lstdc++

.PHONY: fuzz fuzz-build
fuzz-build: deps
	cd Fuzz && $(SWIFT) build $(FUZZ_FLAGS)

fuzz: fuzz-build
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_WORK)/$$target && \
		echo "fuzzing $$target for $(FUZZ_SECONDS) s" && \
		SWIFT_BACKTRACE=enable=no $(FUZZ_SCRATCH)/release/Fuzz$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(FUZZ_WORK)/$$target Fuzz/Seeds/$$target > $(FUZZ_WORK)/$$target.log 2>&1; \
		status=$$?; grep -E "^(Done|stat::number_of_executed_units)|ERROR" $(FUZZ_WORK)/$$target.log; \
		test $$status -eq 0 || { tail -40 $(FUZZ_WORK)/$$target.log; exit 1; }; \
	done

# The soak, MINUTES minutes of each of two parts; each prints its figures and fails if anything
# was lost:
# - a relay process (release build) with a room that stays live while cycles of churn
#   (SOAK_LISTENERS join, half leave and rejoin, all leave) and bad-input campaigns run against
#   it: load held, faults survived, bad inputs tried, what was lost;
# - a room of real processes in network namespaces (root) through cycles of 5/15/30 % loss with
#   50 ms jitter and a 10 s partition: PESQ-WB of every lossy pass, time until speech is back.
MINUTES ?= 5
SOAK_LISTENERS ?= 500
.PHONY: soak
soak: test-deps
	$(SWIFT) build -c release --product parlor
	.build/release/parlor bench soak --minutes $(MINUTES) --churn-listeners $(SOAK_LISTENERS)
	PARLOR_SOAK_MINUTES=$(MINUTES) PARLOR_REQUIRE_NETNS=$(REQUIRE_NETNS) $(SWIFT) test --filter NetworkFaultSoakTests

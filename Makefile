# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make            build build/vnetlat (and the test-bed tools)
# make test       install what is missing, build, run the whole suite
# make static     static builds (build/static/vnetlat: copy it into a guest for vnetlat agent)
# make guest      the test guest: Debian's cloud kernel and a busybox initramfs (build/guest)
# make ARCH=arm64 cross-builds all of the above for arm64 into build/arm64 (make cross: as CI)
# make demo       install what is missing, build, run a traced echo on the built-in topology
# make bench      overhead benchmark (see README)
# V=1 shows full commands; VMLINUX_BTF=path (or VMLINUX_H=path) builds against another kernel.

# ARCH=arm64 on an x86-64 host cross-builds into build/arm64 with Debian's cross compiler and
# multiarch libraries (tools/install-deps.sh), against the arm64 test guest's kernel BTF, cut
# out of its Debian package (tools/guest-kernel.sh, tools/btf-from-image.py).
HOST_ARCH  := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
ARCH       := $(HOST_ARCH)
CROSS_TRIPLE_arm64 := aarch64-linux-gnu
CROSS_TRIPLE_x86   := x86_64-linux-gnu
ifneq ($(ARCH),$(HOST_ARCH))
ifeq ($(CROSS_TRIPLE_$(ARCH)),)
$(error ARCH=$(ARCH): only x86 and arm64 are known)
endif
CROSS_COMPILE ?= $(CROSS_TRIPLE_$(ARCH))-
OUTPUT     ?= build/$(ARCH)
VMLINUX_BTF ?= $(OUTPUT)/guest/vmlinux.btf
endif
ifeq ($(SAN),1)
OUTPUT     ?= build/san
else
OUTPUT     ?= build
endif
ifeq ($(origin CC),default)
CC         := $(CROSS_COMPILE)gcc
endif
CLANG      ?= clang
BPFTOOL    ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_H  ?= $(OUTPUT)/vmlinux.h
VERSION    := 0.1.0

CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -std=gnu11 -Iinclude -I$(OUTPUT) \
              -DVNL_VERSION='"$(VERSION)"'
LDLIBS     += -lbpf -lelf -lz -lm -lpthread
HTTP_LIBS  := -lmicrohttpd
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Iinclude -I$(OUTPUT) -Wall \
              -Wno-unused-function

# SAN=1: AddressSanitizer and UndefinedBehaviorSanitizer, built apart in build/san
ifeq ($(SAN),1)
CFLAGS     += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean test unit integration demo bench deps fmt fuzz static guest install deb cross

# user space, one folder per stage of the pipeline (README: "The code")
USER_DIRS  := common record read analysis output cmd
USER_INC   := $(addprefix -Iuser/,$(USER_DIRS))
USER_SRCS  := $(foreach d,$(USER_DIRS),$(wildcard user/$(d)/*.c))
USER_OBJS  := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
BPF_OBJS   := $(OUTPUT)/vnetlat.bpf.o
SKELS      := $(OUTPUT)/vnetlat.skel.h $(OUTPUT)/parser.skel.h $(OUTPUT)/extprobe.skel.h \
              $(OUTPUT)/fptest.skel.h $(OUTPUT)/floor.skel.h
TOOLS      := $(OUTPUT)/vmm-standin $(OUTPUT)/udp-rr $(OUTPUT)/bench-floor
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
HEADERS    := $(wildcard include/*.h $(foreach d,$(USER_DIRS),user/$(d)/*.h))
# libFuzzer harnesses: clang-built, with the user-space parsers they drive
FUZZ_USER  := $(addprefix user/,record/filter.c read/vnlfile.c read/recording.c read/journey.c read/pairing.c read/reorder.c read/apply.c read/guestclock.c \
              common/hoptab.c common/names.c record/devices.c common/util.c common/crc32.c analysis/hist.c \
              common/json.c analysis/breakdown.c analysis/groups.c analysis/ptp.c output/text.c output/json_report.c output/csv.c \
              output/dump.c output/pcapng.c output/format.c output/outputs.c cmd/report.c read/clock.c \
              analysis/timeline.c analysis/analysis.c output/hdrlog.c output/html.c)
FUZZERS    := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude $(USER_INC) \
              -DVNL_VERSION='"$(VERSION)"'

all: $(OUTPUT)/vnetlat $(TOOLS)

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/tools $(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

$(OUTPUT)/guest/vmlinux.btf: tools/guest-kernel.sh tools/btf-from-image.py
	$(call msg,BTF,$@)
	$(Q)tools/guest-kernel.sh $(OUTPUT) $(ARCH)
	$(Q)tools/btf-from-image.py $(OUTPUT)/guest/vmlinuz $@ >/dev/null

$(OUTPUT)/vmlinux.h: $(filter $(OUTPUT)/%,$(VMLINUX_BTF)) | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)if [ "$(VMLINUX_H)" != "$(OUTPUT)/vmlinux.h" ]; then cp $(VMLINUX_H) $@; \
	else $(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@; fi

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(HEADERS) $(wildcard bpf/*.bpf.h) $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/user/%.o: user/%.c $(HEADERS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(USER_INC) -c $< -o $@

$(OUTPUT)/vnetlat: $(OUTPUT)/user/main.o $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) $(HTTP_LIBS) -o $@

$(OUTPUT)/bench-floor: tools/bench-floor.c $(OUTPUT)/floor.skel.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LDLIBS) -o $@

$(OUTPUT)/%: tools/%.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(USER_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_INC) $(LDFLAGS) $< $(USER_OBJS) $(LDLIBS) $(HTTP_LIBS) -lcmocka -o $@

$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_USER) $(HEADERS) | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_USER) -lz -lm -o $@

fuzz: $(FUZZERS)

# static builds, to copy into a guest (vnetlat agent) and the test guest's image
STATIC     := $(OUTPUT)/static/vnetlat $(OUTPUT)/static/udp-rr $(OUTPUT)/static/vmm-standin

$(OUTPUT)/static:
	$(Q)mkdir -p $@

# no HTTP server in the static build: libmicrohttpd would pull in GnuTLS
$(OUTPUT)/static/prom_http.o: user/output/prom_http.c $(HEADERS) | $(OUTPUT)/static
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -DVNL_NO_HTTP $(USER_INC) -c $< -o $@

$(OUTPUT)/static/vnetlat: $(OUTPUT)/user/main.o $(filter-out %/prom_http.o,$(USER_OBJS)) $(OUTPUT)/static/prom_http.o | $(OUTPUT)/static
	$(call msg,LINK,$@)
	$(Q)$(CC) -static $(LDFLAGS) $^ $(LDLIBS) -o $@ 2>&1 | { grep -v 'statically linked applications' || true; }

$(OUTPUT)/static/%: tools/%.c | $(OUTPUT)/static
	$(call msg,CC,$@)
	$(Q)$(CC) -static $(CFLAGS) $(LDFLAGS) $< -o $@

static: $(STATIC)

# the test guest: Debian's cloud kernel and a busybox initramfs (tools/guest-image.sh)
$(OUTPUT)/guest/initrd.img: $(STATIC) tools/guest-image.sh tools/guest-init.sh $(wildcard tests/guest/*.sh)
	$(call msg,GUEST,$@)
	$(Q)tools/guest-image.sh $(OUTPUT) $(ARCH)

guest: $(OUTPUT)/guest/initrd.img

deps:
	$(Q)tools/install-deps.sh

# make cross: the other architecture, as CI builds it (on x86-64: arm64's vnetlat, its static
# tools and its test guest, in build/arm64), for test_guest_arm64
CROSS_ARCH := $(if $(filter x86,$(HOST_ARCH)),arm64)
cross:
ifneq ($(CROSS_ARCH),)
	$(Q)$(MAKE) --no-print-directory SAN=0 ARCH=$(CROSS_ARCH) OUTPUT=build/$(CROSS_ARCH) all static guest
endif

test: deps
ifeq ($(SAN),1)
	$(Q)$(MAKE) --no-print-directory all $(UNIT_TESTS)
	$(Q)$(MAKE) --no-print-directory SAN=0 OUTPUT=build guest
	$(Q)$(MAKE) --no-print-directory cross
	$(Q)TESTS="unit integration" tests/run.sh $(OUTPUT)
else
	$(Q)$(MAKE) --no-print-directory all $(UNIT_TESTS) $(FUZZERS) guest
	$(Q)$(MAKE) --no-print-directory cross
	$(Q)tests/run.sh $(OUTPUT)
endif

# make demo ARCH=arm64: the host's own build, with the arm64 test guest
demo: deps
ifneq ($(ARCH),$(HOST_ARCH))
	$(Q)$(MAKE) --no-print-directory ARCH=$(HOST_ARCH) OUTPUT=build all
	$(Q)$(MAKE) --no-print-directory static guest
	$(Q)VNL_GUEST=$(OUTPUT)/guest tools/demo.sh build
else
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory guest || echo "demo: no test guest could be built"
	$(Q)tools/demo.sh $(OUTPUT)
endif

bench: deps
	$(Q)$(MAKE) --no-print-directory all guest
	$(Q)tools/bench.sh $(OUTPUT)

fmt:
	clang-format -i bpf/*.c bpf/*.h include/*.h user/*.c user/*/*.c user/*/*.h tools/*.c tests/unit/*.c

# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary (sbin: it needs CAP_BPF), the man
# page, bash completion, and systemd units for the guest's agent and the host's live exporter
PREFIX     ?= /usr/local
UNITDIR    ?= $(PREFIX)/lib/systemd/system
install: $(OUTPUT)/vnetlat
	install -D -m 0755 $(OUTPUT)/vnetlat $(DESTDIR)$(PREFIX)/sbin/vnetlat
	install -D -m 0644 man/vnetlat.8 $(DESTDIR)$(PREFIX)/share/man/man8/vnetlat.8
	install -D -m 0644 dist/bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vnetlat
	install -d $(DESTDIR)$(UNITDIR)
	for u in dist/systemd/*.service; do \
		sed 's|/usr/sbin/vnetlat|$(PREFIX)/sbin/vnetlat|' $$u >$(DESTDIR)$(UNITDIR)/$$(basename $$u); \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
	done

# make deb: build/vnetlat_VERSION_ARCH.deb (dpkg-deb), installed under /usr, its library
# dependencies those of the binary as Debian names them (dpkg-shlibdeps' work, done by hand)
DEB_ARCH   := $(if $(filter arm64,$(ARCH)),arm64,amd64)
DEB_ROOT   := $(OUTPUT)/deb/root
DEB        := $(OUTPUT)/vnetlat_$(VERSION)_$(DEB_ARCH).deb
deb: $(OUTPUT)/vnetlat
	rm -rf $(OUTPUT)/deb
	$(MAKE) --no-print-directory install PREFIX=/usr UNITDIR=/lib/systemd/system DESTDIR=$(abspath $(DEB_ROOT))
	gzip -9n $(DEB_ROOT)/usr/share/man/man8/vnetlat.8
	install -d $(DEB_ROOT)/DEBIAN $(DEB_ROOT)/usr/share/doc/vnetlat
	install -m 0644 README.md $(DEB_ROOT)/usr/share/doc/vnetlat/README.md
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
	    -e "s/@DEPENDS@/$$(tools/deb-depends.sh $(OUTPUT)/vnetlat)/" dist/debian/control.in >$(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group --build $(DEB_ROOT) $(DEB) >/dev/null
	@echo "  DEB      $(DEB)"

clean:
	rm -rf $(OUTPUT)

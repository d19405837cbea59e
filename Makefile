# Release builds and Linux packages for plexm8-sync.
#
#   make release       versioned, cgo-free, reproducible binaries for every
#                      platform and their SHA256SUMS, in dist/release/
#   make package       .deb and .rpm for amd64 and arm64, in dist/
#   make reproducible  builds release and packages twice and compares the bytes
#   make image         the container image (needs a running Docker daemon)
#   make clean         removes dist/
#
# Needs Go and git (for the version) only: nfpm comes from the Go module
# proxy at a pinned version, through `go run`. Override any variable on the
# command line: make release VERSION=v1.2.3

GO       ?= go
DIST     ?= dist
NFPM     ?= $(GO) run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
DOCKER   ?= docker
IMAGE    ?= plexm8-sync

# The version is the newest v* tag (git describe), or v0.0.0-dev before the
# first tag; -dirty marks a build from uncommitted changes.
VERSION  ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || \
              echo "v0.0.0-dev$$(git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet HEAD -- && echo -dirty)")
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# Every file time in the packages: the commit's time, so a rebuild of the
# same commit gives the same bytes (https://reproducible-builds.org/).
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH

PLATFORMS   := linux/amd64 linux/arm64 darwin/arm64 windows/amd64
PKG_ARCHES  ?= amd64 arm64
PKG_VERSION  = $(VERSION)

# -trimpath and -buildvcs=false keep the checkout's location and state out
# of the binary; -buildid= drops the one input-dependent note the linker
# adds; timetzdata embeds the time zone database, which CRON_TZ= needs on
# Windows and in the scratch container image.
LDFLAGS  := -s -w -buildid= -X main.version=$(VERSION) -X main.commit=$(COMMIT)
GOBUILD  := CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -tags timetzdata -ldflags '$(LDFLAGS)'

# binary OS ARCH: the release file name for one platform.
binary = $(DIST)/release/plexm8-sync-$(VERSION)-$(1)-$(2)$(if $(filter windows,$(1)),.exe)

RELEASE_BINARIES := $(foreach p,$(PLATFORMS),$(call binary,$(word 1,$(subst /, ,$(p))),$(word 2,$(subst /, ,$(p)))))

SHA256 := $(shell command -v sha256sum >/dev/null 2>&1 && echo sha256sum || echo 'shasum -a 256')

.PHONY: release package reproducible image clean FORCE

release: $(DIST)/release/SHA256SUMS

$(DIST)/release/SHA256SUMS: $(RELEASE_BINARIES)
	cd $(DIST)/release && $(SHA256) $(notdir $(RELEASE_BINARIES)) > SHA256SUMS
	@cat $@

# FORCE: go build decides what is out of date, and a new VERSION or COMMIT
# must give a new binary even when no source file changed.
$(DIST)/release/plexm8-sync-$(VERSION)-%: FORCE
	@mkdir -p $(dir $@)
	GOOS=$(word 1,$(subst -, ,$(basename $*))) GOARCH=$(word 2,$(subst -, ,$(basename $*))) \
		$(GOBUILD) -o $@ ./cmd/plexm8-sync

# The packaged config is config.example.yaml with state_dir fixed to the
# service's directory: `sudo -u plexm8 plexm8-sync login` runs without
# systemd's $STATE_DIRECTORY and must find the same place the service uses.
$(DIST)/pkg/config.yaml: config.example.yaml
	@mkdir -p $(dir $@)
	awk '/^#state_dir: /{ \
		print "# Set by the package: the service and \"sudo -u plexm8 plexm8-sync login\""; \
		print "# must use the same directory."; \
		print "state_dir: /var/lib/plexm8"; n++; next } { print } \
		END { if (n != 1) { print "config.example.yaml has no \"#state_dir:\" line" > "/dev/stderr"; exit 1 } }' \
		config.example.yaml > $@.tmp && mv $@.tmp $@

package: $(DIST)/pkg/config.yaml $(foreach a,$(PKG_ARCHES),$(call binary,linux,$(a)))
	@for arch in $(PKG_ARCHES); do \
		for fmt in deb rpm; do \
			echo "nfpm: $$fmt $$arch"; \
			PKG_ARCH=$$arch PKG_VERSION=$(PKG_VERSION) PKG_CONFIG=$(DIST)/pkg/config.yaml \
			PKG_BINARY=$(DIST)/release/plexm8-sync-$(VERSION)-linux-$$arch \
				$(NFPM) package --config packaging/nfpm.yaml --packager $$fmt --target $(DIST)/ || exit 1; \
		done; \
	done

# Two complete builds into separate directories; the second starts from an
# empty Go build cache unless REPRO_CACHE=shared, so that it recompiles
# everything rather than relinking cached objects.
REPRO_CACHE ?= fresh
reproducible:
	@rm -rf $(DIST)/repro
	$(MAKE) --no-print-directory release package DIST=$(DIST)/repro/a VERSION=$(VERSION) COMMIT=$(COMMIT)
	$(if $(filter fresh,$(REPRO_CACHE)),GOCACHE=$(abspath $(DIST)/repro/gocache)) \
		$(MAKE) --no-print-directory release package DIST=$(DIST)/repro/b VERSION=$(VERSION) COMMIT=$(COMMIT)
	cd $(DIST)/repro/a && $(SHA256) release/* *.deb *.rpm > ../a.sums
	cd $(DIST)/repro/b && $(SHA256) release/* *.deb *.rpm > ../b.sums
	@rm -rf $(DIST)/repro/gocache
	@if cmp -s $(DIST)/repro/a.sums $(DIST)/repro/b.sums; then \
		echo "reproducible: two builds gave identical bytes:"; cat $(DIST)/repro/a.sums; \
	else \
		echo "NOT reproducible: the two builds differ:"; diff $(DIST)/repro/a.sums $(DIST)/repro/b.sums; exit 1; \
	fi

image:
	$(DOCKER) build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMAGE):$(VERSION) .

clean:
	rm -rf $(DIST)

FORCE:

# syntax=docker/dockerfile:1
# PlexM8 sync as a container: a static, cgo-free binary in an empty image,
# running as an unprivileged user, with its database and credentials in the
# /data volume. Build: make image (or docker build -t plexm8-sync .)
#
#   docker run --rm -it -v plexm8:/data plexm8-sync login   # once: sign in
#   docker run -d --name plexm8 -v plexm8:/data plexm8-sync  # the daemon
#
# Config: mount a file over /etc/plexm8/config.yaml (the image ships
# config.example.yaml there, which means all defaults), and/or set
# PLEXM8_TOKEN and PLEXM8_DB. See packaging/docker/compose.yaml.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
# The same flags as `make release`: a reproducible static binary with the
# time zone database inside (the image has no /usr/share/zoneinfo).
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags timetzdata \
        -ldflags "-s -w -buildid= -X main.version=${VERSION} -X main.commit=${COMMIT}" \
        -o /out/usr/bin/plexm8-sync ./cmd/plexm8-sync \
 && mkdir -p /out/etc/plexm8 /out/etc/ssl/certs /out/tmp /state/data \
 && cp config.example.yaml /out/etc/plexm8/config.yaml \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
 && echo 'plexm8:x:65532:65532:PlexM8 sync:/data:/sbin/nologin' > /out/etc/passwd \
 && echo 'plexm8:x:65532:' > /out/etc/group \
 && chmod 0700 /state/data \
 && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /out/ /
# A new named volume starts as a copy of this directory, owner included.
COPY --from=build --chown=65532:65532 /state/ /
USER 65532:65532
# STATE_DIRECTORY is what systemd's StateDirectory= sets; plexm8-sync takes
# its state_dir (database, credentials, backups) from it, so /data needs no
# config line. PLEXM8_CONFIG makes the config file required: a mount that
# failed is an error, not a silent fall-back to defaults.
# Schedules use the container's time zone: UTC unless TZ is set (TZ=Europe/Berlin).
ENV STATE_DIRECTORY=/data \
    PLEXM8_CONFIG=/etc/plexm8/config.yaml
VOLUME ["/data"]
WORKDIR /data
# /healthz and /metrics. They listen on loopback inside the container, which
# is where the HEALTHCHECK asks; to scrape /metrics from outside, run with
# --http on 0.0.0.0 as `run --help` describes and publish the port.
EXPOSE 8080
HEALTHCHECK --interval=1m --timeout=10s --start-period=2m --retries=3 \
    CMD ["/usr/bin/plexm8-sync", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/bin/plexm8-sync"]
CMD ["run", "--http", "127.0.0.1:8080"]

# No syntax directive: the Dockerfile frontend built into BuildKit, podman
# and buildah has everything used here (cache mounts included), and naming
# one makes Docker pull a frontend image before building, which fails
# offline.

# Build: a static binary, no cgo. The module and build caches are cache
# mounts, so a rebuild after a code change compiles only what changed.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tutorbot ./cmd/tutorbot && mkdir -p /out/data

# Run: CA certificates for the platforms' HTTPS APIs, time zones, a
# non-root user, and the bbolt file on a volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tutorbot /usr/local/bin/tutorbot
# The volume starts owned by the non-root user, so the bot can create its
# file. A bind mount keeps the host folder's owner: chown it to 65532:65532.
COPY --from=build --chown=65532:65532 /out/data /data
# Numeric, so that Kubernetes' runAsNonRoot can verify it (a name cannot be).
USER 65532:65532
VOLUME /data
ENV TUTORBOT_DB=/data/tutorbot.db
# Lessons are built in. To serve your own, mount a folder of lesson files
# (en/01-….md, ru/01-….md) read-only and name it:
#   docker run -v "$PWD/lessons:/lessons:ro" -e LESSONS_DIR=/lessons …
# It is linted at start (file:line problems, non-zero exit); after editing
# it, "docker kill -s HUP <container>" or an admin's /reload re-reads it.
# Healthy when /healthz answers 200; without HTTP_LISTEN there is nothing to
# check. OCI-format images (podman's and buildah's default) drop
# HEALTHCHECK: build with --format docker to keep it (see README).
HEALTHCHECK --interval=30s --timeout=6s --start-period=10s CMD ["/usr/local/bin/tutorbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/tutorbot"]
# "run" needs a platform token: without one it exits 1 with a clear line
# instead of starting the terminal tutor and ending at once.
CMD ["run"]

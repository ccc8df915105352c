# syntax=docker/dockerfile:1
# Build: a static binary, no cgo.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tutorbot ./cmd/tutorbot && mkdir -p /out/data

# Run: CA certificates for the platforms' HTTPS APIs, a non-root user, and
# the bbolt file on a volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tutorbot /usr/local/bin/tutorbot
# The volume starts owned by the non-root user, so the bot can create its file.
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
VOLUME /data
ENV TUTORBOT_DB=/data/tutorbot.db
# Lessons are built in. To serve your own, mount a folder of lesson files
# (en/01-….md, ru/01-….md) read-only and name it:
#   docker run -v "$PWD/lessons:/lessons:ro" -e LESSONS_DIR=/lessons …
# It is linted at start (file:line problems, non-zero exit); after editing
# it, "docker kill -s HUP <container>" or an admin's /reload re-reads it.
# Healthy when /healthz answers 200; without HTTP_LISTEN there is nothing to check.
HEALTHCHECK --interval=30s --timeout=6s --start-period=10s CMD ["/usr/local/bin/tutorbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/tutorbot"]
CMD ["run"]

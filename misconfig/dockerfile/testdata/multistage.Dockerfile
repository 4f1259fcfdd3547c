# syntax=docker/dockerfile:1
# Multi-stage build exercising stage references, ARG-substituted FROM
# lines and inheritance of USER and HEALTHCHECK between stages.
ARG GO_VERSION=1.22.5
ARG BASE
ARG VARIANT=alpine

FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY cmd ./cmd
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -o /out/app ./cmd/app

# Unresolved base: no tag checks.
FROM ${BASE} AS external
RUN echo external

FROM build AS test
RUN go test ./...

FROM build-${VARIANT} AS broken
COPY --from=biuld /out/app /app

FROM alpine:3.20 AS runtime-base
RUN addgroup -S app && adduser -S app -G app
USER app
HEALTHCHECK --interval=30s CMD ["/app", "health"]

FROM runtime-base AS runtime
COPY --from=build /out/app /app
COPY --from=0 /out/app /app2
COPY --from=docker/buildx-bin /buildx /usr/libexec/docker/cli-plugins/docker-buildx
ENTRYPOINT ["/app"]
CMD ["serve"]

# syntax=docker/dockerfile:1
# The Sluis gateway as a container (docs/operations.md, "Container").
#
#   docker build -t sluis .
#   docker run -d --name sluis --read-only -p 8443:8443 \
#     -v sluis-data:/var/lib/sluis \
#     -v /etc/sluis:/etc/sluis:ro \
#     sluis
#
# /etc/sluis holds sluis.toml (listen on 0.0.0.0:8443 with [security.tls] cert and key, and
# security.key_file = "/etc/sluis/sluis.key"), the TLS certificate and key and the master key.
# The key must never be inside the data volume: a backup of the volume would carry it.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
# Dependencies and build output in cache mounts: a rebuild after a code change is incremental.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --release --bin sluis \
 && cp target/release/sluis /usr/local/bin/sluis \
 && strip /usr/local/bin/sluis \
 && mkdir -p /out/var/lib/sluis

# glibc and libgcc, no shell, no package manager; uid 65532 ("nonroot").
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /usr/local/bin/sluis /usr/local/bin/sluis
# The data directory belongs to the user the gateway runs as; a new volume takes this over.
COPY --from=build --chown=65532:65532 /out/var/lib/sluis /var/lib/sluis
ENV SLUIS_DATA_DIR=/var/lib/sluis \
    SLUIS_LISTEN=0.0.0.0:8443 \
    SLUIS_LOG_FORMAT=json
VOLUME ["/var/lib/sluis"]
EXPOSE 8443
USER 65532:65532
# `sluis health` asks /readyz; the image has no curl. --insecure only skips the certificate
# check of this loopback call (the certificate names the public host, not 127.0.0.1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/sluis", "health", "--url", "https://127.0.0.1:8443", "--insecure"]
ENTRYPOINT ["/usr/local/bin/sluis"]
CMD ["serve", "--config", "/etc/sluis/sluis.toml"]

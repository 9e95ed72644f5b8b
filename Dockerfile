# Ingia's server and the scanner PWA in one image (docs/deploy.md).
#   docker build -t ingia .
#   docker run -d --name ingia -p 8080:8080 -v ingia-data:/data -e INGIA_PUBLIC_URL=https://gate.example.org ingia
# The build needs no network beyond the registries (Debian, crates.io, npm); the build stage runs
# the same scripts the README's test command runs (scripts/setup.sh, scripts/build_pwa.sh).

FROM rust:1.95-bookworm AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      nodejs npm python3 brotli && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ENV CARGO_TARGET_DIR=/target
RUN bash scripts/setup.sh wasm trunk \
 && bash scripts/build_pwa.sh /out/dist \
 && cargo build --locked --release -p ingia-server \
 && cp /target/release/ingia-server /out/

FROM debian:bookworm-slim
# No shell tools are needed at run time: the binary carries SQLite, TLS roots and time zones.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home ingia \
 && mkdir /data && chown ingia:ingia /data && chmod 700 /data
COPY --from=build /out/ingia-server /usr/local/bin/ingia-server
COPY --from=build /out/dist /srv/ingia/dist
USER ingia
# The SQLite file, the master key file and the issuing key: back this volume up (docs/deploy.md).
VOLUME /data
EXPOSE 8080 8443
ENTRYPOINT ["ingia-server", "--data-dir", "/data"]
CMD ["serve", "--listen", "0.0.0.0:8080", "--static-dir", "/srv/ingia/dist"]

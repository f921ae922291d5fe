# Hublot's Swift programs, built inside containers (checkpoint cp7): the
# builder image (Debian 13 + Swift toolchain + the C libraries' development
# files) and small runtime images built from it. Targets:
#   --target builder      hublot-builder: everything needed to build Hublot
#   --target classifier   hublot-classifier (ONNX Runtime, codecs)
#   --target front        hublot-front (no ML library)
#   --target cli          hublot, the command line
#
# Optional inputs, for offline and air-gapped sites:
#   --build-context swift-toolchain-local=DIR   a Swift toolchain folder (holding
#       usr/bin/swift) instead of downloading the official one from swift.org
#       (SWIFT_VERSION, SWIFT_PLATFORM); an empty folder means "download";
#   --build-context swift-packages-local=DIR    a mirror of the Swift packages
#       (OWNER/NAME.git folders) that git reads instead of https://github.com/;
#       an empty folder means "fetch from GitHub";
#   --secret id=pip-ca,src=FILE                 the CA of a TLS proxy in front of
#       PyPI (the ONNX Runtime wheel).
# scripts/build-images and compose.yaml pass the local inputs when the machine
# has them. BuildKit cache mounts keep SwiftPM's checkouts and build folder.

ARG BASE_IMAGE=debian:trixie-slim

# Empty unless replaced by the named build contexts above.
FROM scratch AS swift-toolchain-local
FROM scratch AS swift-packages-local

FROM ${BASE_IMAGE} AS builder
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
# The toolchain's own needs (swift.org's list for Debian), static linking
# (libstdc++-14-dev) and Hublot's C libraries.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
      binutils ca-certificates curl git gnupg libc6-dev libcurl4-openssl-dev libedit2 \
      libgcc-14-dev libncurses-dev libpython3-dev libsqlite3-0 libstdc++-14-dev \
      libxml2-dev libz3-dev pkg-config python3 python3-pip tzdata unzip zlib1g-dev \
      libturbojpeg0-dev libspng-dev \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/install-onnxruntime /usr/local/sbin/
COPY scripts/lib/trixie-apt.sh /usr/local/sbin/lib/
RUN --mount=type=secret,id=pip-ca,required=false \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && apt-get update -q && install-onnxruntime && rm -rf /var/lib/apt/lists/*
ARG SWIFT_VERSION=6.3.1
ARG SWIFT_PLATFORM=debian12
RUN --mount=type=bind,from=swift-toolchain-local,target=/mnt/toolchain \
    mkdir -p /opt/swift \
 && if [ -x /mnt/toolchain/usr/bin/swift ]; then \
      echo "using the local Swift toolchain" && cp -a /mnt/toolchain/. /opt/swift/; \
    else \
      url="https://download.swift.org/swift-${SWIFT_VERSION}-release/${SWIFT_PLATFORM}/swift-${SWIFT_VERSION}-RELEASE/swift-${SWIFT_VERSION}-RELEASE-${SWIFT_PLATFORM}.tar.gz" \
      && echo "downloading $url" && curl -fsSL "$url" | tar -xz --strip-components=1 -C /opt/swift; \
    fi \
 && /opt/swift/usr/bin/swift --version
RUN --mount=type=bind,from=swift-packages-local,target=/mnt/packages \
    if ls -d /mnt/packages/*/ >/dev/null 2>&1; then \
      echo "using the local Swift package mirror" && mkdir -p /opt/swift-packages \
      && cp -a /mnt/packages/. /opt/swift-packages/ \
      && git config --system url./opt/swift-packages/.insteadOf https://github.com/; \
    fi
ENV PATH=/opt/swift/usr/bin:$PATH
WORKDIR /src
# OCI labels (docker inspect): version and revision come from scripts/build-images
# (VERSION, git); the default version is checked against VERSION by tests/repository.
ARG HUBLOT_VERSION=0.2.0
ARG HUBLOT_REVISION=unknown
ARG HUBLOT_SOURCE=unknown
LABEL org.opencontainers.image.title="hublot-builder" \
      org.opencontainers.image.description="Debian 13, the Swift toolchain and the C libraries that build Hublot" \
      org.opencontainers.image.version="${HUBLOT_VERSION}" \
      org.opencontainers.image.revision="${HUBLOT_REVISION}" \
      org.opencontainers.image.source="${HUBLOT_SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"

FROM builder AS sources
# Package.resolved pins every dependency: the image builds what the repository tested.
COPY Package.swift Package.resolved ./
COPY Sources ./Sources
# Every folder the manifest names must exist, even for targets not built here
# (tests, the benchmark pipeline): a new `path:` in Package.swift needs a line here.
COPY Tests ./Tests
COPY bench/pipeline ./bench/pipeline

# The two servers (and ONNX Runtime with its notices). The command line is built
# by its own stage, only when the cli image is asked for.
FROM sources AS build
# One product per `swift build` (a repeated --product keeps only the last one).
RUN --mount=type=cache,id=hublot-swift-build,target=/src/.build,sharing=locked \
    --mount=type=cache,id=hublot-swiftpm-cache,target=/root/.cache/org.swift.swiftpm,sharing=locked \
    for product in hublot-classifier hublot-front; do \
      swift build -c release --static-swift-stdlib --product "$product" || exit 1; \
    done \
 && bin=$(swift build -c release --show-bin-path) \
 && mkdir -p /out/bin /out/lib \
 && cp "$bin/hublot-classifier" "$bin/hublot-front" /out/bin/ \
 && for r in "$bin"/*.resources; do cp -r "$r" /out/bin/; done \
 && strip /out/bin/hublot-classifier /out/bin/hublot-front \
 && cp -P /usr/local/lib/libonnxruntime.so* /out/lib/ \
 && mkdir -p /out/doc && cp -r /usr/local/share/doc/onnxruntime /out/doc/

FROM sources AS build-cli
RUN --mount=type=cache,id=hublot-swift-build,target=/src/.build,sharing=locked \
    --mount=type=cache,id=hublot-swiftpm-cache,target=/root/.cache/org.swift.swiftpm,sharing=locked \
    swift build -c release --static-swift-stdlib --product hublot \
 && mkdir -p /out/bin \
 && cp "$(swift build -c release --show-bin-path)/hublot" /out/bin/ \
 && strip /out/bin/hublot

# What every runtime image shares: a non-root user, no package lists.
FROM ${BASE_IMAGE} AS runtime-base
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent hublot

FROM runtime-base AS ml-runtime
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends libturbojpeg0 libspng0 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
COPY --from=build /out/lib/ /usr/local/lib/
COPY --from=build /out/doc/onnxruntime/ /usr/share/doc/onnxruntime/
RUN ldconfig

# The server images are `FROM scratch` plus only what each program loads
# (docker/minimal-root: its shared libraries found with ldd, the loader, bash
# for the health check, users, loader cache), all taken from this Debian 13
# runtime: no package manager, no coreutils. A debian:trixie-slim base alone is
# 78 MB and the front's binary (static Swift stdlib, Foundation's ICU data)
# 82 MB: over the front's 120 MB budget otherwise.
FROM ml-runtime AS roots
COPY docker/minimal-root /usr/local/sbin/
COPY --from=build /out/bin/hublot-classifier /out/bin/hublot-front /usr/local/bin/
RUN minimal-root /roots/classifier /usr/local/bin/hublot-classifier \
 && minimal-root /roots/front /usr/local/bin/hublot-front

FROM scratch AS classifier
COPY --from=roots /roots/classifier/ /
COPY --from=build /out/bin/hublot-classifier /usr/local/bin/
COPY --from=build /out/bin/hublot_HublotClassifier.resources /usr/local/bin/hublot_HublotClassifier.resources
COPY --from=build /out/doc/onnxruntime/ /usr/share/doc/onnxruntime/
COPY LICENSE NOTICE /usr/share/doc/hublot/
USER hublot
ENV PATH=/usr/local/bin:/usr/bin HUBLOT_HOST=0.0.0.0 HUBLOT_PORT=8000 HUBLOT_GRPC_PORT=8001 HUBLOT_MODELS=/models
# HTTP (Hublot API v1, Open Inference Protocol v2), then gRPC (Open Inference Protocol, grpc.health.v1).
EXPOSE 8000
EXPOSE 8001
# Ready = the default model is loaded and warm (Open Inference Protocol v2).
# Only bash is in the image: /dev/tcp, printf and read are its builtins.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --start-interval=1s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HUBLOT_PORT} && printf 'GET /v2/health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]
ENTRYPOINT ["/usr/local/bin/hublot-classifier"]
# OCI labels (docker inspect): version and revision come from scripts/build-images
# (VERSION, git); the default version is checked against VERSION by tests/repository.
ARG HUBLOT_VERSION=0.2.0
ARG HUBLOT_REVISION=unknown
ARG HUBLOT_SOURCE=unknown
LABEL org.opencontainers.image.title="hublot-classifier" \
      org.opencontainers.image.description="Hublot's model server: ONNX models over HTTP (Hublot API v1, Open Inference Protocol v2)" \
      org.opencontainers.image.version="${HUBLOT_VERSION}" \
      org.opencontainers.image.revision="${HUBLOT_REVISION}" \
      org.opencontainers.image.source="${HUBLOT_SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"

FROM scratch AS front
COPY --from=roots /roots/front/ /
COPY --from=build /out/bin/hublot-front /usr/local/bin/
COPY --from=build /out/bin/hublot_HublotFront.resources /usr/local/bin/hublot_HublotFront.resources
COPY LICENSE NOTICE /usr/share/doc/hublot/
USER hublot
ENV PATH=/usr/local/bin:/usr/bin HUBLOT_FRONT_HOST=0.0.0.0 HUBLOT_FRONT_PORT=8080 HUBLOT_CLASSIFIER_URL=http://classifier:8000
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --start-interval=1s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HUBLOT_FRONT_PORT} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]
ENTRYPOINT ["/usr/local/bin/hublot-front"]
# OCI labels (docker inspect): version and revision come from scripts/build-images
# (VERSION, git); the default version is checked against VERSION by tests/repository.
ARG HUBLOT_VERSION=0.2.0
ARG HUBLOT_REVISION=unknown
ARG HUBLOT_SOURCE=unknown
LABEL org.opencontainers.image.title="hublot-front" \
      org.opencontainers.image.description="Hublot's web site and gateway in front of hublot-classifier" \
      org.opencontainers.image.version="${HUBLOT_VERSION}" \
      org.opencontainers.image.revision="${HUBLOT_REVISION}" \
      org.opencontainers.image.source="${HUBLOT_SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"

FROM ml-runtime AS cli
COPY --from=build-cli /out/bin/hublot /usr/local/bin/
COPY LICENSE NOTICE /usr/share/doc/hublot/
USER hublot
ENTRYPOINT ["/usr/local/bin/hublot"]
# OCI labels (docker inspect): version and revision come from scripts/build-images
# (VERSION, git); the default version is checked against VERSION by tests/repository.
ARG HUBLOT_VERSION=0.2.0
ARG HUBLOT_REVISION=unknown
ARG HUBLOT_SOURCE=unknown
LABEL org.opencontainers.image.title="hublot-cli" \
      org.opencontainers.image.description="hublot, the command line that classifies images with a Hublot model repository" \
      org.opencontainers.image.version="${HUBLOT_VERSION}" \
      org.opencontainers.image.revision="${HUBLOT_REVISION}" \
      org.opencontainers.image.source="${HUBLOT_SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"

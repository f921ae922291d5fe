# hublot-builder: Debian 13 + the Swift toolchain + the C libraries' development
# files. Everything Hublot's Swift code needs to build, and nothing else on the
# host (checkpoint cp7).
#
# Inputs (all optional):
#   --build-arg SWIFT_VERSION=6.3.1 SWIFT_PLATFORM=debian12
#       the official toolchain downloaded from swift.org (the default);
#   --build-context swift-toolchain=/opt/swift
#       a local toolchain folder (holding usr/bin/swift) instead of the download:
#       for offline and air-gapped sites;
#   --build-context swift-packages=/opt/swift-packages
#       a local mirror of the Swift packages (OWNER/NAME.git folders); git then
#       reads https://github.com/OWNER/NAME from it;
#   --secret id=pip-ca,src=/etc/ssl/certs/ca-certificates.crt
#       the CA of a TLS proxy in front of PyPI (the ONNX Runtime wheel).
# docker/build-images passes the local inputs when this machine has them.

ARG BASE_IMAGE=debian:trixie-slim

# The official toolchain, downloaded. Replaced by --build-context swift-toolchain=DIR.
FROM ${BASE_IMAGE} AS swift-toolchain-download
ARG SWIFT_VERSION=6.3.1
ARG SWIFT_PLATFORM=debian12
RUN apt-get update -q && apt-get install -y -q --no-install-recommends ca-certificates curl \
 && mkdir /toolchain \
 && curl -fsSL "https://download.swift.org/swift-${SWIFT_VERSION}-release/${SWIFT_PLATFORM}/swift-${SWIFT_VERSION}-RELEASE/swift-${SWIFT_VERSION}-RELEASE-${SWIFT_PLATFORM}.tar.gz" \
    | tar -xz --strip-components=1 -C /toolchain

FROM scratch AS swift-toolchain
COPY --from=swift-toolchain-download /toolchain/ /

# No local package mirror by default: SwiftPM fetches from GitHub.
FROM scratch AS swift-packages

FROM ${BASE_IMAGE} AS builder
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
# The toolchain's own runtime needs (swift.org's list for Debian) + static
# linking (libstdc++-14-dev) + Hublot's C libraries.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
      binutils ca-certificates git gnupg libc6-dev libcurl4-openssl-dev libedit2 \
      libgcc-14-dev libncurses-dev libpython3-dev libsqlite3-0 libstdc++-14-dev \
      libxml2-dev libz3-dev pkg-config python3 python3-pip tzdata unzip zlib1g-dev \
      libturbojpeg0-dev libspng-dev \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/install-onnxruntime /usr/local/sbin/
COPY scripts/lib/trixie-apt.sh /usr/local/sbin/lib/
RUN --mount=type=secret,id=pip-ca,required=false \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && apt-get update -q && install-onnxruntime && rm -rf /var/lib/apt/lists/*
COPY --from=swift-toolchain / /opt/swift/
COPY --from=swift-packages / /opt/swift-packages/
RUN if [ -n "$(ls -A /opt/swift-packages)" ]; then \
      git config --system url./opt/swift-packages/.insteadOf https://github.com/; \
    fi \
 && /opt/swift/usr/bin/swift --version
ENV PATH=/opt/swift/usr/bin:$PATH
WORKDIR /src

# Hublot's Swift programs, built inside the builder image (checkpoint cp7) and
# shipped in small runtime images. One build stage compiles every product
# once; the targets pick what they need:
#   --target classifier   hublot-classifier (ONNX Runtime, codecs)
#   --target front        hublot-front (no ML library)
#   --target cli          hublot (the command line)
# BuildKit cache mounts keep SwiftPM's checkouts and build folder between builds.

ARG BUILDER_IMAGE=hublot-builder
ARG BASE_IMAGE=debian:trixie-slim

FROM ${BUILDER_IMAGE} AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN --mount=type=cache,id=hublot-swift-build,target=/src/.build \
    --mount=type=cache,id=hublot-swiftpm-cache,target=/root/.cache/org.swift.swiftpm \
    swift build -c release --static-swift-stdlib \
      --product hublot --product hublot-classifier --product hublot-front \
 && bin=$(swift build -c release --show-bin-path) \
 && mkdir -p /out/bin /out/lib \
 && cp "$bin/hublot" "$bin/hublot-classifier" "$bin/hublot-front" /out/bin/ \
 && for r in "$bin"/*.resources; do cp -r "$r" /out/bin/; done \
 && strip /out/bin/hublot /out/bin/hublot-classifier /out/bin/hublot-front \
 && cp -P /usr/local/lib/libonnxruntime.so* /out/lib/

# What every runtime image shares: a non-root user, no package lists.
FROM ${BASE_IMAGE} AS runtime-base
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent hublot \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*

FROM runtime-base AS classifier
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends libturbojpeg0 libspng0 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
COPY --from=build /out/lib/ /usr/local/lib/
RUN ldconfig
COPY --from=build /out/bin/hublot-classifier /usr/local/bin/
COPY --from=build /out/bin/hublot_HublotClassifier.resources /usr/local/bin/hublot_HublotClassifier.resources
USER hublot
ENV HUBLOT_HOST=0.0.0.0 HUBLOT_PORT=8000 HUBLOT_MODELS=/models
EXPOSE 8000
# Ready = the default model is loaded and warm (Open Inference Protocol v2).
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HUBLOT_PORT} && printf 'GET /v2/health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/hublot-classifier"]

FROM runtime-base AS front
COPY --from=build /out/bin/hublot-front /usr/local/bin/
COPY --from=build /out/bin/hublot_HublotFront.resources /usr/local/bin/hublot_HublotFront.resources
USER hublot
ENV HUBLOT_FRONT_HOST=0.0.0.0 HUBLOT_FRONT_PORT=8080 HUBLOT_CLASSIFIER_URL=http://classifier:8000
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HUBLOT_FRONT_PORT} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/hublot-front"]

FROM runtime-base AS cli
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends libturbojpeg0 libspng0 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
COPY --from=build /out/lib/ /usr/local/lib/
RUN ldconfig
COPY --from=build /out/bin/hublot /usr/local/bin/
USER hublot
ENTRYPOINT ["/usr/local/bin/hublot"]

# hublot-init: Python + TensorFlow CPU + tf2onnx. Prepares models into the
# model repository (the `models` volume, mounted at /models) and exits.
#   --secret id=pip-ca,src=FILE   CA of a TLS proxy in front of PyPI (optional)
ARG BASE_IMAGE=debian:trixie-slim
FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* \
 && python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY init/requirements.txt init/requirements-nodeps.txt /tmp/init/
RUN --mount=type=cache,id=hublot-pip,target=/root/.cache/pip \
    --mount=type=secret,id=pip-ca,required=false \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
 && pip install -r /tmp/init/requirements.txt \
 && pip install --no-deps -r /tmp/init/requirements-nodeps.txt
COPY init /opt/hublot/init
# --no-build-isolation: build with the setuptools installed above, no index needed.
RUN pip install --no-deps --no-build-isolation --no-cache-dir /opt/hublot/init && rm -rf /opt/hublot/init/build
COPY models /opt/hublot/models
COPY LICENSE NOTICE /usr/share/doc/hublot/
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent hublot \
 && install -d -o hublot -g hublot /models
ENV HUBLOT_EMBEDDED_MODELS=/opt/hublot/models HOME=/tmp
USER hublot
VOLUME ["/models"]
ENTRYPOINT ["hublot-init"]
CMD ["prepare", "efficientnet_lite0", "--repo", "/models"]
# OCI labels (docker inspect): version and revision come from scripts/build-images
# (VERSION, git); the default version is checked against VERSION by tests/repository.
ARG HUBLOT_VERSION=0.2.0
ARG HUBLOT_REVISION=unknown
ARG HUBLOT_SOURCE=unknown
LABEL org.opencontainers.image.title="hublot-init" \
      org.opencontainers.image.description="Prepares TensorFlow Hub classifiers into a Hublot model repository (ONNX, labels, model.json)" \
      org.opencontainers.image.version="${HUBLOT_VERSION}" \
      org.opencontainers.image.revision="${HUBLOT_REVISION}" \
      org.opencontainers.image.source="${HUBLOT_SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"

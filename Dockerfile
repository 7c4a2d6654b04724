# flowauto server image: `docker build -t flowauto:0.1.0 .`
#
# Two stages: the builder installs flowauto and its dependencies into a virtualenv; the final
# stage copies only that virtualenv onto the same slim base (same Python path, so the venv's
# interpreter link and script shebangs stay valid) and runs as an unprivileged user. Every
# dependency ships wheels for CPython 3.11 on x86-64 and arm64, so neither stage needs a
# compiler.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/flowauto
COPY pyproject.toml ./
COPY flowauto ./flowauto
# Install the project itself (a local path, not a registry name to pin); its dependencies
# come from pyproject.toml. Byte-code is compiled here because the runtime file system is
# read-only.
RUN /opt/flowauto/bin/pip install --no-cache-dir --compile . \
    && /opt/flowauto/bin/flowauto version

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 flowauto \
    && useradd --system --no-log-init --uid 10001 --gid flowauto \
        --home-dir /var/lib/flowauto --shell /usr/sbin/nologin flowauto \
    && install --directory --owner=flowauto --group=flowauto --mode=0750 /var/lib/flowauto
COPY --from=builder /opt/flowauto /opt/flowauto
ENV PATH=/opt/flowauto/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLOWAUTO_DATA_DIR=/var/lib/flowauto
# Settings also come from ./.env and ./.env.local: none exist in the image, and the working
# directory is the (writable) data directory.
WORKDIR /var/lib/flowauto
USER 10001:10001
EXPOSE 8082 8083
# Kubernetes ignores this (the chart has its own probes); it serves `docker run`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('FLOWAUTO_SERVER__PRIVATE_PORT', '8083') + '/health/alive', timeout=4)"]
ENTRYPOINT ["flowauto"]
CMD ["serve"]

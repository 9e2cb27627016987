# stanchion's image: built in one stage, run from another that has no compiler, no pip and
# no package manager cache; runs as an unprivileged user with a read-only root filesystem
# (the only writable paths are the volumes below).
#
#   docker build -t stanchion .          (or: buildah bud -t stanchion .)
#   docker run --read-only --tmpfs /tmp -v stanchion-state:/var/lib/stanchion \
#     -e STANCHION_ENCRYPTION_KEY=... -e STANCHION_DATABASE_URL=postgresql+psycopg://... \
#     -v ./myapp:/srv/app:ro -p 8000:8000 stanchion
#
# Where no base image can be pulled, deploy/image/build.sh makes both bases from Debian's
# packages with mmdebstrap (BASE: python3; BUILD_BASE: python3 and python3-venv) and builds
# this same file with buildah.
ARG BASE=python:3.11-slim-bookworm
ARG BUILD_BASE=${BASE}

FROM ${BUILD_BASE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Build-time pip settings, unset unless given (a TLS-inspecting proxy's CA, a local index).
ARG PIP_CERT PIP_INDEX_URL
RUN python3 -m venv /opt/stanchion
COPY pyproject.toml README.md /src/
COPY src /src/src
RUN /opt/stanchion/bin/pip install "/src[postgres,redis,otel]" \
    && find /opt/stanchion -name '__pycache__' -prune -exec rm -rf {} + \
    && /opt/stanchion/bin/python -m compileall -q /opt/stanchion/lib \
    && rm -rf /opt/stanchion/bin/pip* /opt/stanchion/lib/python3.11/site-packages/pip

FROM ${BASE}
# No shell tools are added; pip and ensurepip are removed so nothing can be installed at
# run time (the python image keeps them in /usr/local, Debian's python3-venv in /usr/lib).
# The base image's python serves the venv.
RUN rm -rf /usr/local/lib/python3.11/ensurepip /usr/local/lib/python3.11/site-packages/pip \
        /usr/local/bin/pip* /usr/lib/python3.11/ensurepip /usr/share/python-wheels \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent stanchion \
    && mkdir -p /var/lib/stanchion /srv/app \
    && chown 10001:10001 /var/lib/stanchion
COPY --from=build /opt/stanchion /opt/stanchion
ENV PATH=/opt/stanchion/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STANCHION_SPOOL_DIR=/var/lib/stanchion/spool \
    STANCHION_AUDIT_CHECKPOINT=/var/lib/stanchion/audit.checkpoint \
    STANCHION_DRAIN_FILE=/tmp/stanchion-drain \
    STANCHION_LOG_FORMAT=json
USER 10001:10001
WORKDIR /srv/app
VOLUME ["/var/lib/stanchion", "/tmp"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["stanchion"]
CMD ["serve", "--app", "/srv/app", "--host", "0.0.0.0", "--port", "8000"]

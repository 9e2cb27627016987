#!/usr/bin/env bash
# Build stanchion's image from the repository's Dockerfile where no base image can be
# pulled: both bases are made from Debian's packages with mmdebstrap and imported, then
# buildah builds the two stages.
#
#   apt-get install -y buildah podman mmdebstrap runc     # once, as root
#   bash deploy/image/build.sh [TAG]                      # default stanchion:0.1.0
#
# BASE (run stage): Debian bookworm minbase + python3 + ca-certificates, without docs, man
# pages or locales. BUILD_BASE adds python3-venv (pip for the build stage only). The bases are
# kept in $STANCHION_IMAGE_CACHE (default /var/tmp/stanchion-image) and made again only when
# missing. The build stage installs from PyPI, so it shares the host's network.
# Prints the image's size; deploy/image/run.sh then runs it read-only and times its start-up.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TAG="${1:-stanchion:0.1.0}"
SUITE="${SUITE:-bookworm}"
CACHE="${STANCHION_IMAGE_CACHE:-/var/tmp/stanchion-image}"
mkdir -p "$CACHE"

for tool in mmdebstrap buildah podman; do
    command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y $tool" >&2; exit 1; }
done

slim=(
    --variant=minbase
    --dpkgopt='path-exclude=/usr/share/doc/*'
    --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/info/*'
    --dpkgopt='path-exclude=/usr/share/locale/*'
    --aptopt='Acquire::Languages "none"'
)

base() {  # name, packages: a rootfs tarball made once, imported as localhost/NAME:SUITE
    local name="$1" packages="$2" tar="$CACHE/$1-$SUITE.tar"
    if [ ! -s "$tar" ]; then
        mmdebstrap "${slim[@]}" --format=tar --include="$packages" "$SUITE" "$tar.part"
        mv "$tar.part" "$tar"
    fi
    if ! podman image exists "localhost/$name:$SUITE"; then
        podman import --quiet "$tar" "localhost/$name:$SUITE" >/dev/null
    fi
}

base stanchion-base python3,ca-certificates
base stanchion-build-base python3,python3-venv,ca-certificates

# chroot isolation: the build's RUN steps need no cgroups or rlimits from the runtime,
# so they also work inside containers and on cgroup v1/v2 hybrids. --format docker keeps
# the HEALTHCHECK (the OCI image format has no field for it).
# Behind a TLS-inspecting proxy, pip in the build needs the host's CA bundle (PIP_CERT).
pip_tls=()
if [ -n "${PIP_CERT:-}" ] && [ -r "$PIP_CERT" ]; then
    pip_tls=(-v "$PIP_CERT:/run/host-ca.crt:ro" --build-arg PIP_CERT=/run/host-ca.crt)
fi
started=$(date +%s)
buildah bud \
    --isolation chroot \
    --network host \
    --format docker \
    --layers \
    "${pip_tls[@]}" \
    --build-arg "BASE=localhost/stanchion-base:$SUITE" \
    --build-arg "BUILD_BASE=localhost/stanchion-build-base:$SUITE" \
    -t "$TAG" -f "$ROOT/Dockerfile" "$ROOT"
echo "built $TAG in $(( $(date +%s) - started ))s"
podman image inspect "$TAG" --format 'size: {{.Size}} bytes ({{.Id}})'

#!/usr/bin/env bash
# Build the container image from this checkout and run `kehoach validate` and a short
# `kehoach run` in it, stopped by `docker stop` (SIGTERM): it must exit 0 after its shutdown step.
# Needs root (Debian's docker.io). The base image is pulled when a registry is reachable,
# otherwise built once with debootstrap from Debian's mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dockerd >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null; }
if ! docker info >/dev/null 2>&1; then
  (dockerd >/tmp/kehoach-ci-dockerd.log 2>&1 &)
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
BASE=debian:bookworm-slim
if ! docker image inspect "$BASE" >/dev/null 2>&1 && ! timeout 60 docker pull -q "$BASE" >/dev/null 2>&1; then
  BASE=kehoach-base:bookworm
  if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    root=$(mktemp -d)
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$root" http://deb.debian.org/debian >/dev/null
    tar -C "$root" -c . | docker import - "$BASE" >/dev/null
    rm -rf "$root"
  fi
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"; [ -n "${cid:-}" ] && docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
git ls-files -z --cached --others --exclude-standard | tar --null -T - -c | tar -C "$ctx" -x
cp /usr/local/share/ca-certificates/*.crt "$ctx/deploy/certs/" 2>/dev/null || true  # the build machine's proxy CA, if any
docker build -q -t kehoach:ci --build-arg BASE="$BASE" "$ctx" >/dev/null
docker run --rm kehoach:ci validate
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cid=$(docker run -d -p "127.0.0.1:$port:8000" kehoach:ci)
for _ in $(seq 180); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 200 ] && break
  sleep 1
done
curl -sf "http://127.0.0.1:$port/" | grep -q "Hệ thống theo dõi" || { docker logs "$cid"; echo "portal did not answer"; exit 1; }
docker stop -t 90 "$cid" >/dev/null
code=$(docker wait "$cid")
docker logs "$cid" 2>&1 | tail -3
[ "$code" = 0 ] && docker logs "$cid" 2>&1 | grep -q "đã dừng." || { echo "kehoach run did not stop cleanly (exit $code)"; exit 1; }
echo "container: image built, validate passed, run served the portal and stopped cleanly on SIGTERM"

#!/usr/bin/env bash
# Install and start Debian's PostgreSQL for the store tests; idempotent.
# Prints the line to export: KEHOACH_TEST_POSTGRES_URL=...
set -euo pipefail

PGPORT="${PGPORT:-5432}"
DB=kehoach_test
URL="postgresql://postgres:postgres@127.0.0.1:${PGPORT}/${DB}"

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "${VERSION} main"; then
    pg_createcluster "${VERSION}" main --port "${PGPORT}" >&2
fi
if ! pg_lsclusters -h | awk '$1=="'"${VERSION}"'" && $2=="main" {print $4}' | grep -qx online; then
    pg_ctlcluster "${VERSION}" main start >&2
fi
for _ in $(seq 1 30); do
    su postgres -c "pg_isready -q -h 127.0.0.1 -p ${PGPORT}" && break
    sleep 1
done
su postgres -c "psql -q -p ${PGPORT} -c \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
if ! su postgres -c "psql -p ${PGPORT} -tAc \"SELECT 1 FROM pg_database WHERE datname='${DB}'\"" | grep -q 1; then
    su postgres -c "createdb -p ${PGPORT} ${DB}" >&2
fi
echo "export KEHOACH_TEST_POSTGRES_URL=${URL}"

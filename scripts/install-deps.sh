#!/usr/bin/env bash
# Installs everything cleanroom needs to build (and, with --test, to test) on Debian 12:
# Debian packages, the pinned DuckDB 1.4.4, the AWS CLI, and for tests boto3.
# Idempotent: installs only what is missing. Runs apt-get as root or through sudo.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
with_test=0
[ "${1:-}" = "--test" ] && with_test=1

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

packages=(build-essential cmake ninja-build ccache pkg-config git ca-certificates
          libssl-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev libabsl-dev
          libgtest-dev libgmock-dev libbenchmark-dev libboost-dev libpugixml-dev zlib1g-dev
          libre2-dev)
# Tests only: libfaketime, which the end-to-end tests preload into cleanroomd and its clients to
# move their clock (e.g. across a month boundary, test/e2e/test_dp_queries.py).
if [ "$with_test" -eq 1 ]; then packages+=(faketime); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Tools that may come from elsewhere than Debian (e.g. a newer Node.js): only the command counts.
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# The AWS CLI: the demo that scripts/run.sh sets up drives the server with it, as do the tests.
command -v aws >/dev/null 2>&1 || missing+=(awscli)
if [ "$with_test" -eq 1 ]; then
  if ! python3 -c "import boto3" >/dev/null 2>&1; then missing+=(python3-boto3); fi
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

"$root/scripts/fetch-duckdb.sh"

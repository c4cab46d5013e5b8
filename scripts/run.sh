#!/usr/bin/env bash
# Installs what is missing, builds the release preset and starts cleanroomd in the foreground
# (default: 127.0.0.1:8080, data in ./data). Extra arguments go to cleanroomd.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target cleanroomd cleanroom
args=("$@")
has_data_dir=0
for a in "${args[@]}"; do [ "$a" = "--data-dir" ] || [[ "$a" == --data-dir=* ]] && has_data_dir=1; done
[ "$has_data_dir" -eq 1 ] || args+=(--data-dir "$root/data")
echo "Starting cleanroomd (Ctrl-C stops it). Admin CLI: $root/build/release/src/cli/cleanroom"
exec "$root/build/release/src/exe/cleanroomd" "${args[@]}"

#!/usr/bin/env bash
# Installs what is missing, builds the release preset and starts cleanroomd (default:
# 127.0.0.1:8080, data in ./data) with the demo set up (scripts/demo.sh: the recipe run by an
# account "demo", ending in a finished protected query), then keeps the server in the
# foreground until Ctrl-C. Extra arguments go to cleanroomd. CLEANROOM_DEMO=0 skips the demo.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target cleanroomd cleanroom
args=("$@")
data_dir=""
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --data-dir) data_dir="${args[$((i + 1))]:-}" ;;
    --data-dir=*) data_dir="${args[$i]#--data-dir=}" ;;
  esac
done
if [ -z "$data_dir" ]; then
  data_dir="$root/data"
  args+=(--data-dir "$data_dir")
fi

echo "Starting cleanroomd (Ctrl-C stops it). Admin CLI: $root/build/release/src/cli/cleanroom"
rm -f "$data_dir/endpoint"
"$root/build/release/src/exe/cleanroomd" "${args[@]}" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM
# The server writes its endpoint once it listens.
for _ in $(seq 1 300); do
  [ -s "$data_dir/endpoint" ] && break
  kill -0 "$server" 2>/dev/null || { wait "$server"; exit $?; }
  sleep 0.1
done
if [ "${CLEANROOM_DEMO:-1}" != "0" ] && [ -s "$data_dir/endpoint" ]; then
  scripts/demo.sh "$data_dir" || echo "The demo could not be set up; the server runs on." >&2
fi
status=0
wait "$server" || status=$?
# A signal interrupts the first wait; wait again for the server's clean shutdown.
if kill -0 "$server" 2>/dev/null; then wait "$server" || status=$?; fi
exit "$status"

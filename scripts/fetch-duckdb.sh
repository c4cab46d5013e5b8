#!/usr/bin/env bash
# Fetches the pinned DuckDB 1.4.4 (headers from the `duckdb` npm package, the prebuilt
# libduckdb.so from `@duckdb/node-bindings-linux-<arch>`), verifies pinned sha256 sums and
# unpacks both into third_party/duckdb/ (git-ignored). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/third_party/duckdb"
stamp="$dest/.stamp-1.4.4"
[ -f "$stamp" ] && exit 0

arch="$(uname -m)"
case "$arch" in
  x86_64|amd64)
    bindings="@duckdb/node-bindings-linux-x64@1.4.4-r.4"
    bindings_tgz="duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz"
    bindings_sha="732fac4dc6b8f198870b9c4bb6ddf13544466daca00ad28ba2f1d80de5d7aa4b" ;;
  aarch64|arm64)
    bindings="@duckdb/node-bindings-linux-arm64@1.4.4-r.3"
    bindings_tgz="duckdb-node-bindings-linux-arm64-1.4.4-r.3.tgz"
    bindings_sha="7a3b62c524849af848b2d4e278bad56324e20f5e8b1d3fe3acd324ead28e1e0c" ;;
  *) echo "fetch-duckdb: unsupported architecture $arch" >&2; exit 1 ;;
esac
src_pkg="duckdb@1.4.4"
src_tgz="duckdb-1.4.4.tgz"
src_sha="5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
( cd "$work" && npm pack --silent "$src_pkg" "$bindings" >/dev/null )
echo "$src_sha  $work/$src_tgz" | sha256sum -c --quiet -
echo "$bindings_sha  $work/$bindings_tgz" | sha256sum -c --quiet -

rm -rf "$dest"
mkdir -p "$dest/include" "$dest/lib"
tar xzf "$work/$src_tgz" -C "$work" package/src/duckdb/src/include
cp -r "$work/package/src/duckdb/src/include/." "$dest/include/"
rm -rf "$work/package"
tar xzf "$work/$bindings_tgz" -C "$work" package/libduckdb.so
cp "$work/package/libduckdb.so" "$dest/lib/"
touch "$stamp"
echo "fetch-duckdb: DuckDB 1.4.4 installed in $dest"

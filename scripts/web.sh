#!/usr/bin/env bash
# The privacy plugin in the browser (docs/browser.md).
#
#   bash scripts/web.sh            build the bundle into web/dist and serve it on
#                                  http://127.0.0.1:8080/ (zkmeter web)
#   bash scripts/web.sh build [DIR]  only build the bundle (default DIR: web/dist)
#   PORT=9000 bash scripts/web.sh  another port
#
# Needs the wasm32-unknown-unknown target (added with rustup when missing) and
# wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock (installed
# with `cargo install` when missing or another version; a few minutes, once).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}

build() {
    local out=${1:-web/dist}
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        rustup target add wasm32-unknown-unknown
    fi
    local version
    version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
    if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
        echo "== installing wasm-bindgen-cli $version (matches Cargo.lock)"
        # Without TLS (only its test runner downloads anything): fewer crates, a faster build.
        # Its own lock file first; if this registry lacks a locked version, resolve afresh.
        # --force: cargo's record may list a copy that is no longer on PATH.
        cargo install --force --locked --no-default-features wasm-bindgen-cli --version "$version" ||
            cargo install --force --no-default-features wasm-bindgen-cli --version "$version"
    fi
    echo "== building zkmeter-web for wasm32-unknown-unknown"
    cargo build --release --locked --target wasm32-unknown-unknown -p zkmeter-web
    # Only what this script writes is replaced (never a whole directory given by mistake).
    mkdir -p "$out"
    rm -rf "$out/pkg"
    wasm-bindgen --target web --no-typescript --out-dir "$out/pkg" \
        "$target_dir/wasm32-unknown-unknown/release/zkmeter_web.wasm"
    cp web/www/* "$out/"
    echo "== bundle in $out: $(du -sh "$out" | cut -f1)"
}

case "${1:-serve}" in
    build)
        build "${2:-web/dist}"
        ;;
    serve)
        build web/dist
        cargo build --release --locked --bin zkmeter
        exec "$target_dir/release/zkmeter" web --dir web/dist --port "${PORT:-8080}"
        ;;
    *)
        echo "usage: $0 [serve | build [DIR]]" >&2
        exit 2
        ;;
esac

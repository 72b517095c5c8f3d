#!/usr/bin/env bash
# Builds Roster in release mode and installs the binary into $PREFIX/bin (default /usr/local).
# Re-running it upgrades the binary in place.
set -euo pipefail
cd "$(dirname "$0")"
PREFIX="${PREFIX:-/usr/local}"

cargo build --release --locked
install -d "$PREFIX/bin"
install -m 0755 target/release/roster "$PREFIX/bin/roster"
echo "Installed $("$PREFIX/bin/roster" --version) to $PREFIX/bin/roster"
echo "Start it with:  roster --database /path/to/roster.sqlite3 serve --bind 127.0.0.1:8000"

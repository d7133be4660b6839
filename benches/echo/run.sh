#!/usr/bin/env bash
# The echo benchmark in one command: builds in release, runs the memory probe and the
# matrix, prints both tables and writes raw results to results/.
#
#   benches/echo/run.sh            # full matrix, about 6 minutes
#   benches/echo/run.sh --quick    # CI smoke, under a minute once built
#   benches/echo/run.sh --servers wscore-tokio,tokio-websockets --conns 10 --sizes 65536
#
# Every option is passed to echo-bench (see README.md).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="$PWD/target"
cargo build --release --quiet --bins
exec "$CARGO_TARGET_DIR/release/echo-bench" "$@"

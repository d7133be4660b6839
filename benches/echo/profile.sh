#!/usr/bin/env bash
# Profiles one server in one cell with perf (cpu-clock sampling, call graphs):
#
#   benches/echo/profile.sh SERVER CONNS SIZE DEPTH [SECONDS]
#   benches/echo/profile.sh wscore-tokio 10 65536 1
#
# Starts the server on CPU 1, the load generator on CPU 0, records the server for SECONDS
# (default 8) with `perf record -F 999 -g -p PID` (cpu-clock, DWARF call graphs), and
# prints the top symbols (self time) to stdout. perf.data is left in
# results/perf-SERVER-CONNS-SIZE-DEPTH.data.
set -euo pipefail
cd "$(dirname "$0")"
server=$1 conns=$2 size=$3 depth=$4 secs=${5:-8}
export CARGO_TARGET_DIR="$PWD/target"
cargo build --release --quiet --bins
bin="$CARGO_TARGET_DIR/release"
mkdir -p results
out="results/perf-$server-$conns-$size-$depth.data"
exec 3< <(taskset -c 1 "$bin/echo-server" "$server")
pid=$!
read -r _ port <&3
trap 'kill $pid 2>/dev/null || true' EXIT
taskset -c 0 "$bin/echo-bench" load --addr "127.0.0.1:$port" --pid "$pid" \
    --conns "$conns" --size "$size" --depth "$depth" --warmup 0.5 --duration "$((secs + 2))" &
load=$!
sleep 1
# cpu-clock: the only event in a VM without PMU access. DWARF unwinding, because release
# builds have no frame pointers (-g alone would lose most callers).
perf record -e cpu-clock -F 999 -g --call-graph dwarf,16384 -o "$out" -p "$pid" -- sleep "$secs" 2>/dev/null
wait $load
perf report -i "$out" --no-children --sort symbol --stdio 2>/dev/null \
    | grep -E '^ +[0-9]+\.[0-9]+%' | head -30

#!/usr/bin/env bash
# permessage-deflate interop with the peers users have: python `websockets` (PyPI) and Node
# `ws` (npm), each as a server for our client and as a client of our echo server, with the
# default offer, no context takeover and 9-bit windows; text and binary from 0 B to 16 MiB.
# Loopback only. Expects target/release/examples/echo_server built with --all-features.
set -euo pipefail
cd "$(dirname "$0")/../.."
port=${INTEROP_PORT:-9501}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_port() {
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "interop: nothing listens on port $1" >&2; exit 1
}

venv=$(bash tests/interop/python_venv.sh)
node_dir=target/interop-node
if [ ! -d "$node_dir/node_modules/ws" ]; then
  command -v npm >/dev/null || { echo "interop: npm is missing" >&2; exit 1; }
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund ws@8 >&2)
fi
cp tests/interop/node_deflate_peer.mjs "$node_dir/peer.mjs"

failed=0
echo "--- their clients against our echo server"
target/release/examples/echo_server --port "$port" --max-message $((64 << 20)) >/dev/null 2>&1 &
pids+=($!)
wait_port "$port"
for variant in default no-context-takeover small-window; do
  "$venv/bin/python" tests/interop/py_deflate_peer.py client "ws://127.0.0.1:$port/" "$variant" \
    > /tmp/interop-py.out 2>&1 || failed=1
  sed "s/^/python client, $variant: /" /tmp/interop-py.out | tail -n 2
  (cd "$node_dir" && node peer.mjs client "ws://127.0.0.1:$port/" "$variant") \
    > /tmp/interop-node.out 2>&1 || failed=1
  sed "s/^/node client, $variant: /" /tmp/interop-node.out | tail -n 2
done

echo "--- our client against their servers"
"$venv/bin/python" tests/interop/py_deflate_peer.py server $((port + 1)) &
pids+=($!)
(cd "$node_dir" && exec node peer.mjs server $((port + 2))) &
pids+=($!)
wait_port $((port + 1)); wait_port $((port + 2))
WSCORE_DEFLATE_PEERS="python=ws://127.0.0.1:$((port + 1))/,node=ws://127.0.0.1:$((port + 2))/" \
  cargo test --release --all-features --test interop_deflate -- --ignored --nocapture \
  > /tmp/interop-ours.out 2>&1 || failed=1
grep -E "echoes|test result|panicked|FAILED" /tmp/interop-ours.out
[ "$failed" = 0 ] && echo "interop: all passed" || echo "interop: FAILED"
exit $failed

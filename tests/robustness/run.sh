#!/usr/bin/env bash
# Hostile clients against the example servers (loopback only, bounded): slow-loris
# handshakes, dead peers, a client that stops reading, malformed handshakes, subprotocol
# choice, and accept() failing at a low file-descriptor limit; the servers must keep serving.
# Expects release builds of the examples in target/release/examples (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/release/examples
port=${ROBUSTNESS_PORT:-9401}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
fast=(--open-timeout 1 --keepalive 1 --pong-timeout 1 --write-timeout 1)

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "robustness: nothing listens on port $1" >&2
  exit 1
}

failed=0
for server in echo_server blocking_echo futures_echo; do
  echo "--- $server"
  "$bin/$server" --port "$port" "${fast[@]}" >/dev/null 2>&1 &
  pids+=($!)
  wait_port "$port"
  timeout 120 python3 tests/robustness/check.py "$port" || failed=1
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'

  echo "--- $server under ulimit -n 48"
  ( ulimit -n 48; exec "$bin/$server" --port "$port" "${fast[@]}" ) >/dev/null 2>/tmp/robustness-$server.err &
  pids+=($!)
  wait_port "$port"
  timeout 60 python3 tests/robustness/check.py "$port" --fd-limited || failed=1
  kill -0 "${pids[-1]}" 2>/dev/null || { echo "FAIL  $server exited at the fd limit"; failed=1; }
  grep -m1 "accept:" /tmp/robustness-$server.err || echo "(no accept error was logged)"
  kill "${pids[-1]}" 2>/dev/null; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'
done
echo "--- client against a server that accepts TCP but never answers the handshake"
python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", '"$port"')); s.listen(8)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)  # read nothing, answer nothing
' &
pids+=($!)
wait_port "$port"
start=$(date +%s%N)
set +e
err=$(echo hi | timeout 20 "$bin/client" "ws://127.0.0.1:$port/" --open-timeout 1 2>&1 >/dev/null)
code=$?
set -e
took=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$code" -ne 0 ] && [ "$code" -ne 124 ] && grep -q "timed out" <<<"$err" && [ "$took" -lt 5000 ]; then
  echo "ok    the client gave up after ${took} ms: $err"
else
  echo "FAIL  client exit $code after ${took} ms: $err"; failed=1
fi
exit $failed

#!/usr/bin/env bash
# Runs the example binaries the way a user would and checks what they do:
#  - no_std_frame decodes its frame;
#  - echo_server + client: lines in on stdin come back on stdout, clean close, exit 0;
#  - the echo server's page is served over plain HTTP;
#  - client against a server that refuses the upgrade: clear error on stderr, non-zero exit.
# Expects release builds of the examples in target/release/examples (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/release/examples
port=${EXAMPLES_PORT:-9301}
refuse_port=$((port + 1))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

fail() { echo "examples: FAIL: $*" >&2; exit 1; }

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "nothing listens on port $1"
}

echo "--- no_std_frame"
out=$("$bin/no_std_frame")
grep -q 'payload: "temperature=21.5" (last piece: true)' <<<"$out" || fail "no_std_frame: $out"

echo "--- echo_server + client"
"$bin/echo_server" --port "$port" >/dev/null &
pids+=($!)
wait_port "$port"
input=$'first line\nκόσμε — unicode\n\nlast line'
# Lines arrive as a person types them; at end of input the client closes at once, and
# (RFC 6455 5.5.1) data still in flight after its Close is discarded, so pause before EOF.
typed() { while IFS= read -r line; do printf '%s\n' "$line"; sleep 0.2; done <<<"$input"; sleep 0.5; }
got=$(typed | timeout 20 "$bin/client" "ws://127.0.0.1:$port/") \
  || fail "client exited with $?"
[ "$got" = "$input" ] || fail "client echoed $(printf %q "$got"), expected $(printf %q "$input")"

echo "--- echo_server page"
page=$(exec 3<>"/dev/tcp/127.0.0.1/$port"; printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3; cat <&3)
grep -q '^HTTP/1.1 200 OK' <<<"$page" || fail "page status: $(head -1 <<<"$page")"
grep -q 'new WebSocket(url)' <<<"$page" || fail "page has no WebSocket script"

echo "--- client against a plain HTTP server"
python3 -m http.server "$refuse_port" --bind 127.0.0.1 >/dev/null 2>&1 &
pids+=($!)
wait_port "$refuse_port"
set +e
err=$(echo hi | timeout 20 "$bin/client" "ws://127.0.0.1:$refuse_port/" 2>&1 >/dev/null)
code=$?
set -e
[ "$code" -ne 0 ] || fail "client accepted a non-WebSocket server"
grep -q "rejected the handshake" <<<"$err" || fail "client error message: $err"
echo "client refused it with exit $code: $err"

echo "examples: all checks passed"

#!/usr/bin/env bash
# Runs the example binaries the way a user would and checks what they do:
#  - no_std_frame decodes its frame;
#  - echo_server + client: lines in on stdin come back on stdout, clean close, exit 0;
#  - echo_server has no page: a plain GET gets the handshake's refusal (400);
#  - axum_server + client: the same echo, and the demo page over HTTP/1.1 and HTTP/2 (h2c);
#  - axum_server with --cert/--key: the page over https, HTTP/2 by ALPN and HTTP/1.1;
#  - client against a server that refuses the upgrade: clear error on stderr, non-zero exit.
# Expects release builds of the examples in target/release/examples (see .ci/run). Installs
# curl and openssl with apt-get if they are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/release/examples
port=${EXAMPLES_PORT:-9301}
refuse_port=$((port + 1))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT

fail() { echo "examples: FAIL: $*" >&2; exit 1; }

for tool in curl openssl; do
  if ! command -v "$tool" >/dev/null; then
    if ! apt-get install -y "$tool" >/dev/null 2>&1; then
      apt-get update >/dev/null
      apt-get install -y "$tool" >/dev/null
    fi
  fi
done

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
got=$(printf '%s' "$input" | timeout 20 "$bin/client" "ws://127.0.0.1:$port/") \
  || fail "client exited with $?"
[ "$got" = "$input" ] || fail "client echoed $(printf %q "$got"), expected $(printf %q "$input")"

echo "--- no data lost at close: 1,000 lines piped at once, 20 times, Close sent at end of input"
# --close-at-eof: the client closes the moment stdin ends, so most echoes arrive after our
# Close; every one must still be printed (RFC 6455 1.4), in order.
lines=$(seq 1 1000 | sed 's/^/line /')
for run in $(seq 1 20); do
  got=$(printf '%s\n' "$lines" | timeout 30 "$bin/client" "ws://127.0.0.1:$port/" --close-at-eof) \
    || fail "run $run: client exited with $?"
  [ "$got" = "$lines" ] || fail "run $run: $(wc -l <<<"$got") of 1000 echoes, or out of order"
done
echo "all 1000 echoes, in order, 20 of 20 runs"

# python websockets stops sending once it receives a Close (its unsent echoes are dropped on
# its side), so against it the client's default applies: close when the echoes are in.
echo "--- no data lost at close against python websockets"
if venv=$(bash tests/interop/python_venv.sh); then
  "$venv/bin/python" tests/interop/py_echo_server.py "$refuse_port" &
  pids+=($!)
  wait_port "$refuse_port"
  for run in $(seq 1 5); do
    got=$(printf '%s\n' "$lines" | timeout 30 "$bin/client" "ws://127.0.0.1:$refuse_port/") \
      || fail "python run $run: client exited with $?"
    [ "$got" = "$lines" ] || fail "python run $run: $(wc -l <<<"$got") of 1000 echoes"
  done
  kill "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
  unset 'pids[-1]'
  sleep 0.3
  echo "all 1000 echoes from python websockets, 5 of 5 runs"
else
  fail "python websockets is not available (see tests/interop/python_venv.sh)"
fi

echo "--- echo_server has no page: a plain GET gets the handshake's refusal"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/") || true
[ "$code" = 400 ] || fail "echo_server answered a plain GET with $code, expected 400 (no Upgrade: websocket)"

echo "--- axum_server + client, and its page over HTTP/1.1 and HTTP/2"
axum_port=$((port + 2))
"$bin/axum_server" --port "$axum_port" >"$tmp/axum.log" &
pids+=($!)
wait_port "$axum_port"
got=$(printf '%s' "$input" | timeout 20 "$bin/client" "ws://127.0.0.1:$axum_port/") \
  || fail "client against axum_server exited with $?"
[ "$got" = "$input" ] || fail "axum_server echoed $(printf %q "$got"), expected $(printf %q "$input")"
grep -qx 'websocket over HTTP/1.1' "$tmp/axum.log" || fail "axum_server did not print 'websocket over HTTP/1.1'"
page=$(exec 3<>"/dev/tcp/127.0.0.1/$axum_port"; printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3; cat <&3)
grep -q '^HTTP/1.1 200 OK' <<<"$page" || fail "axum page status: $(head -1 <<<"$page")"
grep -q 'new WebSocket(url)' <<<"$page" || fail "axum page has no WebSocket script"
# HTTP/2 over cleartext (h2c, prior knowledge): what the h2 WebSocket clients use without TLS.
version=$(curl -s --http2-prior-knowledge -o "$tmp/page" -w '%{http_version}' "http://127.0.0.1:$axum_port/") \
  || fail "curl --http2-prior-knowledge failed"
[ "$version" = 2 ] || fail "h2c page came over HTTP/$version"
grep -q 'new WebSocket(url)' "$tmp/page" || fail "h2c page has no WebSocket script"
echo "page over HTTP/1.1 and h2c"

echo "--- h2_client against axum_server: WebSockets over h2c (RFC 8441), one and three on one connection"
got=$(printf 'one\ntwo\n' | timeout 20 "$bin/h2_client" "ws://127.0.0.1:$axum_port/" 2>"$tmp/h2.err") \
  || fail "h2_client exited with $?: $(cat "$tmp/h2.err")"
[ "$got" = $'[0] one\n[0] two' ] || fail "h2_client got $(printf %q "$got")"
grep -qx '1 WebSocket over HTTP/2' "$tmp/h2.err" || fail "h2_client: $(cat "$tmp/h2.err")"
got=$(printf 'hi\n' | timeout 20 "$bin/h2_client" "ws://127.0.0.1:$axum_port/" --streams 3 2>"$tmp/h2.err") \
  || fail "h2_client --streams 3 exited with $?: $(cat "$tmp/h2.err")"
[ "$got" = $'[0] hi\n[1] hi\n[2] hi' ] || fail "h2_client --streams 3 got $(printf %q "$got")"
[ "$(grep -cx 'websocket over HTTP/2' "$tmp/axum.log")" = 4 ] \
  || fail "axum_server did not see 4 WebSockets over HTTP/2: $(cat "$tmp/axum.log")"
echo "4 WebSockets over HTTP/2, the server saw them as such"

echo "--- axum_server over TLS (--cert/--key, self-signed): the page over HTTP/2 and HTTP/1.1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
tls_port=$((port + 3))
"$bin/axum_server" --port "$tls_port" --cert "$tmp/cert.pem" --key "$tmp/key.pem" >/dev/null &
pids+=($!)
wait_port "$tls_port"
version=$(curl -s -k --http2 -o "$tmp/page" -w '%{http_version}' "https://127.0.0.1:$tls_port/") \
  || fail "curl --http2 https failed"
[ "$version" = 2 ] || fail "https page came over HTTP/$version, expected 2 (ALPN h2)"
grep -q 'new WebSocket(url)' "$tmp/page" || fail "https page (HTTP/2) has no WebSocket script"
version=$(curl -s -k --http1.1 -o "$tmp/page" -w '%{http_version}' "https://127.0.0.1:$tls_port/") \
  || fail "curl --http1.1 https failed"
[ "$version" = 1.1 ] || fail "https page with --http1.1 came over HTTP/$version"
grep -q 'new WebSocket(url)' "$tmp/page" || fail "https page (HTTP/1.1) has no WebSocket script"
echo "https page over HTTP/2 (ALPN h2) and HTTP/1.1"
got=$(printf 'secure\n' | timeout 20 "$bin/h2_client" "wss://127.0.0.1:$tls_port/" --ca "$tmp/cert.pem" 2>"$tmp/h2.err") \
  || fail "h2_client over wss exited with $?: $(cat "$tmp/h2.err")"
[ "$got" = '[0] secure' ] || fail "h2_client over wss got $(printf %q "$got")"
grep -qx '1 WebSocket over HTTP/2' "$tmp/h2.err" || fail "h2_client over wss: $(cat "$tmp/h2.err")"
echo "h2_client: wss:// over HTTP/2 (ALPN h2)"
# echo_server has no HTTP/2: h2_client falls back to the HTTP/1.1 Upgrade.
got=$(printf 'old\n' | timeout 20 "$bin/h2_client" "ws://127.0.0.1:$port/" 2>"$tmp/h2.err") \
  || fail "h2_client against echo_server exited with $?: $(cat "$tmp/h2.err")"
[ "$got" = '[0] old' ] || fail "h2_client against echo_server got $(printf %q "$got")"
grep -qx '1 WebSocket over HTTP/1.1' "$tmp/h2.err" || fail "h2_client fallback: $(cat "$tmp/h2.err")"
echo "h2_client fell back to HTTP/1.1 against echo_server"

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

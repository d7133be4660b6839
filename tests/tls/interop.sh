#!/usr/bin/env bash
# TLS interop with python `websockets` (loopback only, bounded):
#   1. our client (examples/wss_client) against a python wss:// echo server;
#   2. a python wss:// client against our server (examples/wss_server).
# Both trust a throwaway test CA made with openssl, which signs the servers' certificate.
# The venv (python 3.12 from pyenv when present, else python3) lives in target/.
#
#   bash tests/tls/interop.sh           # from anywhere in the repository
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/tls

venv=target/interop-venv
if [ ! -x "$venv/bin/python" ]; then
    py=python3
    for candidate in "$HOME/.pyenv/versions/"3.12*/bin/python3; do
        [ -x "$candidate" ] && py="$candidate" && break
    done
    "$py" -m venv "$venv"
fi
"$venv/bin/python" -c "import websockets" 2>/dev/null || "$venv/bin/pip" install -q "websockets>=13"

timeout 600 cargo build -q --features tls-tokio,webpki-roots --example wss_server --example wss_client

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# A throwaway test CA, and a server certificate for localhost signed by it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=wscore interop test CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout "$work/key.pem" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -days 2 -extfile "$work/ext" -out "$work/cert.pem" 2>/dev/null

free_port() {
    "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() { # port
    for _ in $(seq 100); do
        "$venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2).close()" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    return 1
}

passed=0
failed=0

# 1. Our client, python server.
port="$(free_port)"
"$venv/bin/python" "$here/py_server.py" "$port" "$work/cert.pem" "$work/key.pem" >"$work/py_server.log" 2>&1 &
pids+=($!)
wait_port "$port"
printf 'hello over tls\nsecond line é\n' >"$work/lines"
# Lines typed with pauses: echoes arriving after our Close would be discarded (RFC 6455 5.5.1).
if (while read -r line; do printf '%s\n' "$line"; sleep 0.5; done <"$work/lines"; sleep 0.5) |
    timeout 30 target/debug/examples/wss_client --ca "$work/ca.pem" "wss://localhost:$port/echo" \
    >"$work/client.out" 2>"$work/client.err" && cmp -s "$work/lines" "$work/client.out"; then
    echo "ok: wscore client -> python websockets wss server"
    passed=$((passed + 1))
else
    echo "FAILED: wscore client -> python websockets wss server"
    echo "--- out"; cat "$work/client.out"; echo "--- err"; cat "$work/client.err"; echo "--- server"; cat "$work/py_server.log"
    failed=$((failed + 1))
fi
# Without --ca only the compiled-in Mozilla roots are trusted: the test CA is unknown.
if ! timeout 30 target/debug/examples/wss_client "wss://localhost:$port/echo" </dev/null >/dev/null 2>"$work/untrusted.err" &&
    grep -qiE "TLS|root certificates" "$work/untrusted.err"; then
    echo "ok: untrusted certificate refused ($(head -c 120 "$work/untrusted.err"))"
    passed=$((passed + 1))
else
    echo "FAILED: untrusted certificate was not refused"
    cat "$work/untrusted.err"
    failed=$((failed + 1))
fi

# 2. Python client, our server.
port="$(free_port)"
target/debug/examples/wss_server --cert "$work/cert.pem" --key "$work/key.pem" --addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pids+=($!)
wait_port "$port"
if timeout 60 "$venv/bin/python" "$here/py_client.py" "wss://localhost:$port/interop" "$work/ca.pem"; then
    echo "ok: python websockets wss client -> wscore server"
    passed=$((passed + 1))
else
    echo "FAILED: python websockets wss client -> wscore server"
    cat "$work/server.log"
    failed=$((failed + 1))
fi

echo "interop: $passed passed, $failed failed"
[ "$failed" = 0 ]

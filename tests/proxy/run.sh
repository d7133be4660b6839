#!/usr/bin/env bash
# Runs tests/proxy_tinyproxy.rs against real tinyproxy instances on 127.0.0.1 (loopback only):
# one open proxy that allows CONNECT to two target ports only, one with BasicAuth.
# Installs tinyproxy if missing (apt-get update only when the install needs it).
#
#   bash tests/proxy/run.sh            # from the repository root
#   FEATURES=... bash tests/proxy/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
FEATURES="${FEATURES:-proxy,tls-tokio,tls-blocking,tls-futures}"

if ! command -v tinyproxy >/dev/null; then
    if ! apt-get install -y tinyproxy >/dev/null 2>&1; then
        apt-get update >/dev/null
        apt-get install -y tinyproxy >/dev/null
    fi
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

open_port="$(free_port)"
auth_port="$(free_port)"
ws_port="$(free_port)"
wss_port="$(free_port)"

write_conf() { # file port [basicauth]
    {
        echo "Port $2"
        echo "Listen 127.0.0.1"
        echo "Timeout 30"
        echo "MaxClients 50"
        echo "Allow 127.0.0.1"
        echo "ConnectPort $ws_port"
        echo "ConnectPort $wss_port"
        echo "LogLevel Info"
        echo "DisableViaHeader Yes"
        if [ -n "${3:-}" ]; then echo "BasicAuth $3"; fi
        # tinyproxy drops root privileges to this user.
        if [ "$(id -u)" = 0 ]; then echo "User nobody"; echo "Group nogroup"; fi
    } >"$1"
}
write_conf "$work/open.conf" "$open_port"
write_conf "$work/auth.conf" "$auth_port" "wsuser wspass"

tinyproxy -d -c "$work/open.conf" >"$work/open.log" 2>&1 &
pids+=($!)
tinyproxy -d -c "$work/auth.conf" >"$work/auth.log" 2>&1 &
pids+=($!)

# Wait (bounded) until both listen.
for _ in $(seq 50); do
    if python3 -c "import socket,sys; [socket.create_connection(('127.0.0.1',p),0.2).close() for p in ($open_port,$auth_port)]" 2>/dev/null; then
        break
    fi
    sleep 0.1
done

status=0
WSCORE_TINYPROXY="127.0.0.1:$open_port" \
WSCORE_TINYPROXY_AUTH="127.0.0.1:$auth_port" \
WSCORE_TINYPROXY_CREDENTIALS="wsuser:wspass" \
WSCORE_TINYPROXY_WS_PORT="$ws_port" \
WSCORE_TINYPROXY_WSS_PORT="$wss_port" \
    timeout 600 cargo test --features "$FEATURES" --test proxy_tinyproxy -- --ignored --nocapture --test-threads 1 || status=$?
if [ "$status" != 0 ]; then
    echo "--- tinyproxy (open) log"; tail -n 40 "$work/open.log"
    echo "--- tinyproxy (auth) log"; tail -n 40 "$work/auth.log"
fi
exit "$status"

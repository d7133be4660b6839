#!/usr/bin/env bash
# Real-browser test: headless Chromium talks to the axum_server example.
#
# Usage: tests/browser/run.sh            (the page and WebSocket over plain HTTP/1.1)
#        TLS=1 tests/browser/run.sh      (over https/wss: HTTP/2, RFC 8441)
#
# Environment:
#   SERVER_CMD       server command, run with `bash -c` from the repository root
#                    (default: target/release/examples/axum_server --port 9003)
#   PORT             port the server listens on (default: the value after
#                    `--port` in SERVER_CMD, else 9003)
#   TLS              1: make a self-signed certificate for 127.0.0.1 and
#                    localhost (openssl, installed with apt-get if missing),
#                    append `--cert CERT --key KEY` to SERVER_CMD, load
#                    https://127.0.0.1:PORT/ in Chromium with
#                    --ignore-certificate-errors, and require that the page
#                    itself came over HTTP/2 (ALPN h2)
#   EXPECT_LOG       a line the server must have printed (exactly) once the
#                    page is done (default with TLS=1: "websocket over
#                    HTTP/2", what axum_server prints for a WebSocket over
#                    HTTP/2; else none)
#   CHROMIUM         browser binary (default /usr/bin/chromium; installed with
#                    apt-get if missing and the default is used)
#   BROWSER_TIMEOUT  seconds to wait for the page to finish (default 15)
#   READY_TIMEOUT    seconds to wait for the server port (default 30)
#
# Page contract (served by the server at http://127.0.0.1:PORT/, or https): on
# load the page opens new WebSocket("ws://" + location.host + "/") ("wss://"
# when it was loaded over https), sends the text
# "hello from the browser", shows the echo in #echo, closes with code 1000;
# its close handler writes "closed <code> <clean|unclean>" into #status and
# then sets document.title = "done". The test passes when, within
# BROWSER_TIMEOUT seconds, the title is "done", #echo is exactly
# "hello from the browser" and #status is exactly "closed 1000 clean" (and,
# with EXPECT_LOG, the server printed that line).
set -euo pipefail
# The whole script is one { ... } block, so bash parses all of it before
# running anything: editing this file cannot disturb a run in progress.
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"

SERVER_CMD=${SERVER_CMD:-target/release/examples/axum_server --port 9003}
TLS=${TLS:-0}
[[ $TLS == 0 || $TLS == 1 ]] || { echo "browser/run.sh: ERROR: TLS must be 0 or 1" >&2; exit 1; }
if [[ $TLS == 1 ]]; then EXPECT_LOG=${EXPECT_LOG-websocket over HTTP/2}; else EXPECT_LOG=${EXPECT_LOG:-}; fi
if [[ -z ${PORT:-} ]]; then
    if [[ $SERVER_CMD =~ --port[=[:space:]]+([0-9]+) ]]; then PORT=${BASH_REMATCH[1]}; else PORT=9003; fi
fi
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export BROWSER_TIMEOUT=${BROWSER_TIMEOUT:-15}
READY_TIMEOUT=${READY_TIMEOUT:-30}
LOG=$(mktemp -t wscore-browser-server.XXXXXX)
CERTS=$(mktemp -d -t wscore-browser-certs.XXXXXX)

die() { echo "browser/run.sh: ERROR: $*" >&2; exit 1; }
log() { echo "==> $*"; }

# The server and the browser driver each run in their own session (setsid),
# so stopping a process group also stops its children (e.g. Chromium).
server_pid= driver_pid=
stop_group() {
    local pid=$1 i
    [[ -n $pid ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop_group "$driver_pid"
    stop_group "$server_pid"
    rm -f "$LOG"
    rm -rf "$CERTS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------- toolchain
if [[ ! -x $CHROMIUM ]]; then
    [[ $CHROMIUM == /usr/bin/chromium ]] || die "CHROMIUM=$CHROMIUM is not executable"
    command -v apt-get >/dev/null || die "chromium is missing and apt-get is not available"
    log "installing chromium with apt-get"
    apt-get update -q >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || die "apt-get install chromium failed"
    [[ -x $CHROMIUM ]] || die "chromium installed but $CHROMIUM is missing"
fi
command -v node >/dev/null || die "node is required (Node 18+)"
if [[ ! -f $HERE/node_modules/playwright-core/package.json ]]; then
    log "installing node helper dependencies (npm ci)"
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in tests/browser failed"
fi

if [[ $TLS == 1 ]] && ! command -v openssl >/dev/null; then
    command -v apt-get >/dev/null || die "openssl is missing and apt-get is not available"
    log "installing openssl with apt-get"
    apt-get update -q >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl >/dev/null || die "apt-get install openssl failed"
fi

# ------------------------------------------------------------------- server
scheme=http
if [[ $TLS == 1 ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$CERTS/key.pem" -out "$CERTS/cert.pem" 2>/dev/null || die "openssl could not make a certificate"
    SERVER_CMD="$SERVER_CMD --cert $CERTS/cert.pem --key $CERTS/key.pem"
    scheme=https
    export EXPECT_PAGE_PROTOCOL=h2 IGNORE_CERT_ERRORS=1
fi
if port_open "$PORT"; then die "port $PORT is already in use before starting the server"; fi
first_word=${SERVER_CMD%% *}
if [[ $first_word == */* && ! -x $first_word ]]; then
    die "server binary $first_word not found (build it first, e.g. cargo build --release --examples)"
fi
log "server: $SERVER_CMD (port $PORT)"
setsid bash -c "$SERVER_CMD" >"$LOG" 2>&1 </dev/null &
server_pid=$!
tries=$((READY_TIMEOUT * 5))  # polled every 0.2 s
until port_open "$PORT"; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        tail -n 20 "$LOG" >&2; die "server exited before listening on 127.0.0.1:$PORT"
    fi
    if (((tries -= 1) <= 0)); then
        tail -n 20 "$LOG" >&2; die "server did not listen on 127.0.0.1:$PORT within ${READY_TIMEOUT}s"
    fi
    sleep 0.2
done

# ------------------------------------------------------------------ browser
t0=$SECONDS
rc=0
# Outer bound: browser start-up plus the page wait plus slack. Waiting on a
# background job (not a foreground one) lets INT/TERM reach the traps at once.
setsid timeout --kill-after=5 $((BROWSER_TIMEOUT + 60)) \
    node "$HERE/check_page.mjs" "$scheme://127.0.0.1:$PORT/" </dev/null &
driver_pid=$!
wait "$driver_pid" || rc=$?
log "browser check took $((SECONDS - t0))s"
if ((rc != 0)); then
    echo "---- server log (last 20 lines) ----" >&2; tail -n 20 "$LOG" >&2 || true
    die "browser test FAILED (exit $rc)"
fi
if [[ -n $EXPECT_LOG ]]; then
    if ! grep -qxF -- "$EXPECT_LOG" "$LOG"; then
        echo "---- server log (last 20 lines) ----" >&2; tail -n 20 "$LOG" >&2 || true
        die "the page passed, but the server never printed \"$EXPECT_LOG\""
    fi
    log "server printed \"$EXPECT_LOG\""
fi
log "browser test passed"
exit 0
}

#!/usr/bin/env bash
# Real-browser test: headless Chromium talks to the echo_server example.
#
# Usage: tests/browser/run.sh
#
# Environment:
#   SERVER_CMD       server command, run with `bash -c` from the repository root
#                    (default: target/release/examples/echo_server --port 9003)
#   PORT             port the server listens on (default: the value after
#                    `--port` in SERVER_CMD, else 9003)
#   CHROMIUM         browser binary (default /usr/bin/chromium; installed with
#                    apt-get if missing and the default is used)
#   BROWSER_TIMEOUT  seconds to wait for the page to finish (default 15)
#   READY_TIMEOUT    seconds to wait for the server port (default 30)
#
# Page contract (served by the server at http://127.0.0.1:PORT/): on load the
# page opens new WebSocket("ws://" + location.host + "/"), sends the text
# "hello from the browser", shows the echo in #echo, closes with code 1000;
# its close handler writes "closed <code> <clean|unclean>" into #status and
# then sets document.title = "done". The test passes when, within
# BROWSER_TIMEOUT seconds, the title is "done", #echo is exactly
# "hello from the browser" and #status is exactly "closed 1000 clean".
set -euo pipefail
# The whole script is one { ... } block, so bash parses all of it before
# running anything: editing this file cannot disturb a run in progress.
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"

SERVER_CMD=${SERVER_CMD:-target/release/examples/echo_server --port 9003}
if [[ -z ${PORT:-} ]]; then
    if [[ $SERVER_CMD =~ --port[=[:space:]]+([0-9]+) ]]; then PORT=${BASH_REMATCH[1]}; else PORT=9003; fi
fi
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export BROWSER_TIMEOUT=${BROWSER_TIMEOUT:-15}
READY_TIMEOUT=${READY_TIMEOUT:-30}
LOG=$(mktemp -t wscore-browser-server.XXXXXX)

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

# ------------------------------------------------------------------- server
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
    node "$HERE/check_page.mjs" "http://127.0.0.1:$PORT/" </dev/null &
driver_pid=$!
wait "$driver_pid" || rc=$?
log "browser check took $((SECONDS - t0))s"
if ((rc != 0)); then
    echo "---- server log (last 20 lines) ----" >&2; tail -n 20 "$LOG" >&2 || true
    die "browser test FAILED (exit $rc)"
fi
log "browser test passed"
exit 0
}

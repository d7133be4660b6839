#!/usr/bin/env bash
# Autobahn|Testsuite conformance run for wscore (server side and client side).
#
# Usage:
#   tests/autobahn/run.sh [--server NAME=COMMAND]... [--client NAME=COMMAND]... [--no-check]
#
# Testees (each NAME is also the Autobahn agent name; [A-Za-z0-9._-]+):
#   --server NAME=COMMAND  a WebSocket echo server. It is started with
#                          `bash -c COMMAND` from the repository root and must
#                          listen on ws://127.0.0.1:$AB_SERVER_PORT (the port is
#                          also exported to it as $AB_PORT). Servers run one at
#                          a time, so they can all use the same port.
#   --client NAME=COMMAND  an echo client testee, run once as
#                          `COMMAND ws://127.0.0.1:$AB_FUZZ_PORT NAME` (also
#                          exported as $AB_URL and $AB_AGENT). It must GET
#                          /getCaseCount, then /runCase?case=N&agent=NAME for
#                          N = 1..count echoing every message back, and finally
#                          /updateReports?agent=NAME, then exit 0.
#   AB_SERVERS / AB_CLIENTS  the same specs from the environment, one
#                          NAME=COMMAND per line (used in addition to the args).
#
# Other settings (environment):
#   AB_SERVER_PORT     port the servers under test listen on      (9001)
#   AB_FUZZ_PORT       port of wstest's fuzzing server            (9002)
#   AB_CASES           comma-separated case patterns              (1.*,...,11.*)
#   AB_EXCLUDE_CASES   comma-separated patterns to skip           (12.*,13.*)
#   AB_FAIL_BY_DROP    wstest failByDrop option, true|false       (true)
#   AB_READY_TIMEOUT   seconds to wait for a port to listen       (30)
#   AB_RUN_TIMEOUT     seconds for one wstest fuzzingclient run   (900)
#   AB_CLIENT_TIMEOUT  seconds for one client testee              (600)
#   AB_MIN_CASES       minimum cases per agent for the checker    (301 with the
#                      default AB_CASES/AB_EXCLUDE_CASES, else 1)
#   (UNIMPLEMENTED fails in every section, compression included)
#   AB_MARKDOWN        file to write the checker's summary to     (none)
#   AB_PYTHON2         Python 2.7 interpreter                     (pyenv's 2.7.18)
#   AB_VENV            wstest virtualenv                          (tests/autobahn/venv)
#   AB_REPORTS         reports directory                          (tests/autobahn/reports)
#   AB_LOCK_TIMEOUT    seconds to wait while another run.sh uses
#                      the same reports directory                 (1800)
#
# Output: reports/servers/index.json (merged over all servers; each server's
# own HTML report lives in reports/servers/NAME/), reports/clients/ and
# process logs in reports/logs/. Exit status is non-zero if setup fails, a
# testee cannot be started, a server dies during its run, an agent has fewer
# cases than wstest planned, or check.py finds any failing case.
set -euo pipefail
# The whole script is one { ... } block, so bash parses all of it before
# running anything: editing this file cannot disturb a run in progress.
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"   # testee commands are relative to the repository root

WSTEST_VERSION=25.10.1
VENV=${AB_VENV:-$HERE/venv}
REPORTS=${AB_REPORTS:-$HERE/reports}
LOGS=$REPORTS/logs
SERVER_PORT=${AB_SERVER_PORT:-9001}
FUZZ_PORT=${AB_FUZZ_PORT:-9002}
CASES=${AB_CASES:-1.*,2.*,3.*,4.*,5.*,6.*,7.*,8.*,9.*,10.*,11.*}
EXCLUDE_CASES=${AB_EXCLUDE_CASES:-12.*,13.*}
FAIL_BY_DROP=${AB_FAIL_BY_DROP:-true}
READY_TIMEOUT=${AB_READY_TIMEOUT:-30}
RUN_TIMEOUT=${AB_RUN_TIMEOUT:-900}
CLIENT_TIMEOUT=${AB_CLIENT_TIMEOUT:-600}
# wstest 25.10.1 has 301 cases in sections 1-11: with the default case set
# each agent must have run all of them (catches a testee that stops early).
if [[ -z ${AB_CASES:-} && -z ${AB_EXCLUDE_CASES:-} ]]; then DEFAULT_MIN=301; else DEFAULT_MIN=1; fi
MIN_CASES=${AB_MIN_CASES:-$DEFAULT_MIN}

die() { echo "autobahn/run.sh: ERROR: $*" >&2; exit 1; }
log() { echo "==> $*"; }
[[ $FAIL_BY_DROP == true || $FAIL_BY_DROP == false ]] || die "AB_FAIL_BY_DROP must be true or false"

# ---------------------------------------------------------------- arguments
servers=()
clients=()
run_check=1
add_specs() {  # add_specs ARRAY_NAME "multi-line text"
    local -n into=$1
    local line
    while IFS= read -r line; do
        if [[ -n "${line//[[:space:]]/}" ]]; then into+=("$line"); fi
    done <<< "$2"
}
add_specs servers "${AB_SERVERS:-}"
add_specs clients "${AB_CLIENTS:-}"
while (($#)); do
    case $1 in
        --server) (($# >= 2)) || die "--server needs NAME=COMMAND"; servers+=("$2"); shift 2 ;;
        --client) (($# >= 2)) || die "--client needs NAME=COMMAND"; clients+=("$2"); shift 2 ;;
        --server=*) servers+=("${1#--server=}"); shift ;;
        --client=*) clients+=("${1#--client=}"); shift ;;
        --no-check) run_check=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
((${#servers[@]} + ${#clients[@]} > 0)) \
    || die "nothing to test: give --server/--client NAME=COMMAND or AB_SERVERS/AB_CLIENTS (see --help)"

spec_name() { echo "${1%%=*}"; }
spec_cmd()  { echo "${1#*=}"; }
check_spec() {
    [[ $1 == *=* ]] || die "bad testee spec (want NAME=COMMAND): $1"
    local name; name=$(spec_name "$1")
    [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "bad agent name '$name' (allowed: A-Z a-z 0-9 . _ -)"
    [[ -n "$(spec_cmd "$1")" ]] || die "empty command for '$name'"
}
for s in ${servers[@]+"${servers[@]}"} ${clients[@]+"${clients[@]}"}; do check_spec "$s"; done

command -v python3 >/dev/null || die "python3 is required (report merging and check.py)"

# ------------------------------------------------------- process management
# Every background process is started in its own session (setsid), so the
# whole tree (e.g. `cargo run` and its child) can be killed as a group.
bg_pids=()
start_bg() {  # start_bg LOGFILE COMMAND...; sets BG_PID
    local logf=$1; shift
    setsid "$@" >"$logf" 2>&1 </dev/null 9>&- &  # 9>&-: children do not hold the lock
    BG_PID=$!
    bg_pids+=("$BG_PID")
}
stop_bg() {  # stop_bg PID: TERM the group, KILL after 5 s, reap
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
# The number of cases wstest planned ("Ok, will run N test cases ..." in
# its log); every agent must end up with exactly that many.
planned_cases() {
    local n
    n=$(grep -oE 'will run [0-9]+ test cases' "$1" | head -n 1 | grep -oE '[0-9]+' || true)
    [[ -n $n ]] || die "cannot find the planned case count in $1"
    echo "$n"
}
run_bounded() {  # run_bounded LOGFILE SECONDS COMMAND...: returns the command's exit code
    # Runs in the background and is waited for, so that INT/TERM reach our
    # traps at once (bash defers traps while a foreground child runs).
    local logf=$1 secs=$2 rc=0; shift 2
    start_bg "$logf" timeout --kill-after=10 "$secs" "$@"
    wait "$BG_PID" || rc=$?
    return "$rc"
}
cleanup() {
    local pid
    for pid in ${bg_pids[@]+"${bg_pids[@]}"}; do stop_bg "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # wait_port PORT PID WHAT LOGFILE
    local port=$1 pid=$2 what=$3 logf=$4 tries=$((READY_TIMEOUT * 5))  # 0.2 s apart
    until port_open "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "---- last lines of $logf ----" >&2; tail -n 20 "$logf" >&2 || true
            die "$what exited before listening on 127.0.0.1:$port"
        fi
        if (((tries -= 1) <= 0)); then
            echo "---- last lines of $logf ----" >&2; tail -n 20 "$logf" >&2 || true
            die "$what did not listen on 127.0.0.1:$port within ${READY_TIMEOUT}s"
        fi
        sleep 0.2
    done
}

# ------------------------------------------------------------ wstest setup
find_python2() {
    local c root
    if [[ -n "${AB_PYTHON2:-}" ]]; then
        [[ -x "$AB_PYTHON2" ]] || { echo "autobahn/run.sh: AB_PYTHON2=$AB_PYTHON2 is not executable" >&2; return 1; }
        echo "$AB_PYTHON2"; return
    fi
    root=$(pyenv root 2>/dev/null || true)
    for c in ${root:+"$root/versions/2.7.18/bin/python"} "$HOME/.pyenv/versions/2.7.18/bin/python" \
             "$HOME"/.pyenv/versions/2.7*/bin/python /usr/bin/python2.7 /usr/local/bin/python2.7; do
        if [[ -x "$c" ]] && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))' 2>/dev/null; then
            echo "$c"; return
        fi
    done
    return 1
}

venv_ok() {
    [[ -x "$VENV/bin/python" ]] && "$VENV/bin/wstest" -a 2>/dev/null | grep -q "AutobahnTestSuite $WSTEST_VERSION"
}

setup_venv() {
    if venv_ok; then log "reusing wstest venv at $VENV"; return; fi
    local py2
    py2=$(find_python2) || die "Python 2.7 not found (looked in pyenv's versions/2.7.18, ~/.pyenv, /usr/bin/python2.7; set AB_PYTHON2). Autobahn|Testsuite needs Python 2.7 - NOT skipping."
    log "creating wstest venv at $VENV with $py2 (takes ~1-2 min)"
    rm -rf "$VENV"
    "$py2" -m pip install -q --disable-pip-version-check 'setuptools==44.0.0' 'virtualenv<20.22' \
        >"$LOGS/venv.log" 2>&1 || { tail -n 20 "$LOGS/venv.log" >&2; die "installing virtualenv into $py2 failed"; }
    "$py2" -m virtualenv -q "$VENV" >>"$LOGS/venv.log" 2>&1 \
        || { tail -n 20 "$LOGS/venv.log" >&2; die "creating the virtualenv failed"; }
    "$VENV/bin/pip" install -q --disable-pip-version-check "autobahntestsuite==$WSTEST_VERSION" >>"$LOGS/venv.log" 2>&1 \
        || { tail -n 20 "$LOGS/venv.log" >&2; die "pip install autobahntestsuite==$WSTEST_VERSION failed"; }
    venv_ok || die "wstest -a does not report AutobahnTestSuite $WSTEST_VERSION"
}

# write_spec FILE OUTDIR servers|url AGENT URL: a wstest spec file.
# fuzzingclient specs list the servers (agent + url); fuzzingserver specs
# only carry the url to listen on.
write_spec() {
    python3 - "$@" "$CASES" "$EXCLUDE_CASES" "$FAIL_BY_DROP" <<'PY'
import json, sys
path, outdir, kind, agent, url, cases, exclude, fail_by_drop = sys.argv[1:]
patterns = lambda text: [p.strip() for p in text.split(",") if p.strip()]
spec = {"options": {"failByDrop": fail_by_drop == "true"}, "outdir": outdir,
        "cases": patterns(cases), "exclude-cases": patterns(exclude), "exclude-agent-cases": {}}
if kind == "servers":
    spec["servers"] = [{"agent": agent, "url": url}]
else:
    spec["url"] = url
with open(path, "w") as f:
    json.dump(spec, f, indent=2)
PY
}

# -------------------------------------------------------------- server side
run_servers() {
    local spec name cmd out t0 pid rc
    rm -rf "$REPORTS/servers"; mkdir -p "$REPORTS/servers"
    t0=$SECONDS
    for spec in "${servers[@]}"; do
        name=$(spec_name "$spec"); cmd=$(spec_cmd "$spec")
        out=$REPORTS/servers/$name
        mkdir -p "$out"
        if port_open "$SERVER_PORT"; then die "port $SERVER_PORT is already in use before starting '$name'"; fi

        log "server '$name': $cmd"
        export AB_PORT=$SERVER_PORT
        start_bg "$LOGS/server-$name.log" bash -c "$cmd"
        pid=$BG_PID
        wait_port "$SERVER_PORT" "$pid" "server '$name'" "$LOGS/server-$name.log"

        write_spec "$out/spec.json" "$out" servers "$name" "ws://127.0.0.1:$SERVER_PORT"
        log "wstest fuzzingclient -> ws://127.0.0.1:$SERVER_PORT (agent '$name')"
        rc=0
        run_bounded "$LOGS/wstest-fuzzingclient-$name.log" "$RUN_TIMEOUT" \
            "$VENV/bin/python" "$HERE/wstest_local.py" -m fuzzingclient -s "$out/spec.json" || rc=$?
        if ! kill -0 "$pid" 2>/dev/null; then
            # wstest stops at the first refused connection, so a crashed
            # server leaves a short report: make it a failure of its own.
            echo "autobahn/run.sh: server '$name' exited during the run (see $LOGS/server-$name.log)" >&2
            run_problems+=("server '$name' exited during the run")
        fi
        stop_bg "$pid"
        ((rc == 0)) || { tail -n 20 "$LOGS/wstest-fuzzingclient-$name.log" >&2;
                         die "wstest fuzzingclient for '$name' failed (exit $rc; 124 = timeout after ${RUN_TIMEOUT}s)"; }
        [[ -f $out/index.json ]] || die "wstest wrote no $out/index.json for '$name'"
        SERVER_CASES=$(planned_cases "$LOGS/wstest-fuzzingclient-$name.log")
    done
    # One index.json for all servers, with report paths relative to it.
    python3 - "$REPORTS/servers" "${servers[@]%%=*}" <<'EOF'
import json, os, sys
root, merged = sys.argv[1], {}
for name in sys.argv[2:]:
    with open(os.path.join(root, name, "index.json")) as f:
        for agent, cases in json.load(f).items():
            for res in cases.values():
                if res.get("reportfile"):
                    res["reportfile"] = name + "/" + res["reportfile"]
            merged[agent] = cases
with open(os.path.join(root, "index.json"), "w") as f:
    json.dump(merged, f, indent=1, sort_keys=True)
EOF
    SERVER_SECS=$((SECONDS - t0))
    log "server side done in ${SERVER_SECS}s"
}

# -------------------------------------------------------------- client side
run_clients() {
    local spec name cmd t0 pid rc url=ws://127.0.0.1:$FUZZ_PORT
    rm -rf "$REPORTS/clients"; mkdir -p "$REPORTS/clients"
    t0=$SECONDS
    write_spec "$REPORTS/clients/spec.json" "$REPORTS/clients" url "" "$url"
    if port_open "$FUZZ_PORT"; then die "port $FUZZ_PORT is already in use; cannot start wstest fuzzingserver"; fi
    log "wstest fuzzingserver on $url"
    start_bg "$LOGS/wstest-fuzzingserver.log" \
        "$VENV/bin/python" "$HERE/wstest_local.py" -m fuzzingserver -s "$REPORTS/clients/spec.json" -u 0
    pid=$BG_PID
    wait_port "$FUZZ_PORT" "$pid" "wstest fuzzingserver" "$LOGS/wstest-fuzzingserver.log"
    CLIENT_CASES=$(planned_cases "$LOGS/wstest-fuzzingserver.log")

    for spec in "${clients[@]}"; do
        name=$(spec_name "$spec"); cmd=$(spec_cmd "$spec")
        log "client '$name': $cmd $url $name"
        rc=0
        export AB_URL=$url AB_AGENT=$name
        run_bounded "$LOGS/client-$name.log" "$CLIENT_TIMEOUT" \
            bash -c "$cmd \"\$@\"" "$name" "$url" "$name" || rc=$?
        if ((rc != 0)); then
            tail -n 20 "$LOGS/client-$name.log" >&2
            die "client testee '$name' failed (exit $rc; 124 = timeout after ${CLIENT_TIMEOUT}s)"
        fi
        kill -0 "$pid" 2>/dev/null || die "wstest fuzzingserver died while '$name' was running"
    done
    stop_bg "$pid"
    [[ -f $REPORTS/clients/index.json ]] \
        || die "no reports/clients/index.json: the testees never called /updateReports?agent=NAME"
    CLIENT_SECS=$((SECONDS - t0))
    log "client side done in ${CLIENT_SECS}s"
}

# --------------------------------------------------------------------- main
mkdir -p "$LOGS"
# Runs sharing a reports directory (and the default ports) would clobber each
# other's results: serialise them.
exec 9>"$REPORTS/.lock"
if ! flock -n 9; then
    log "another run.sh is using $REPORTS; waiting up to ${AB_LOCK_TIMEOUT:-1800}s (or set AB_REPORTS and ports)"
    flock -w "${AB_LOCK_TIMEOUT:-1800}" 9 || die "timed out waiting for the lock on $REPORTS"
fi
t_setup=$SECONDS
setup_venv
log "wstest: $("$VENV/bin/wstest" -a 2>&1 | tr '\n' ' ')(setup $((SECONDS - t_setup))s)"

SERVER_SECS=-; CLIENT_SECS=-; SERVER_CASES=; CLIENT_CASES=
run_problems=()
if ((${#servers[@]})); then run_servers; fi
if ((${#clients[@]})); then run_clients; fi
log "timings: server side ${SERVER_SECS}s, client side ${CLIENT_SECS}s"

((run_check)) || { log "checker skipped (--no-check)"; exit 0; }
check_args=(--reports "$REPORTS" --min-cases "$MIN_CASES")
if ((${#servers[@]})); then
    check_args+=(--servers "$(IFS=,; echo "${servers[*]%%=*}")" --expect-cases "servers=$SERVER_CASES")
fi
if ((${#clients[@]})); then
    check_args+=(--clients "$(IFS=,; echo "${clients[*]%%=*}")" --expect-cases "clients=$CLIENT_CASES")
fi
if [[ -n ${AB_MARKDOWN:-} ]]; then check_args+=(--markdown "$AB_MARKDOWN"); fi
rc=0
python3 "$HERE/check.py" "${check_args[@]}" || rc=$?
if ((${#run_problems[@]})); then
    printf 'autobahn/run.sh: FAILED: %s\n' "${run_problems[@]}" >&2
    ((rc)) || rc=1
fi
exit "$rc"
}

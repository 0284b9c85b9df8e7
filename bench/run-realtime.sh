#!/usr/bin/env bash
# Realtime benchmark of collab: starts collab instances as plain processes on loopback against the local
# PostgreSQL and Redis, runs bench/ (RealtimeBench, a Vert.x WebSocket load generator) against them, stops them.
#
# Usage:
#   bench/run-realtime.sh fanout [bench options]   two instances (ports 8001, 8002) in one cluster; by default
#                                                  1000 sockets, 100 workspaces, 1 msg/s per socket, 10 s warmup,
#                                                  60 s measured. Options given here override those defaults.
#   bench/run-realtime.sh idle [bench options]     ONE instance (port 8001); by default 10000 idle authenticated
#                                                  sockets; reports the server's heap per socket (after a full GC
#                                                  before connecting and after all sockets are connected).
#   bench/run-realtime.sh help                     this text (mvn -q -f bench/pom.xml compile exec:exec@bench lists
#                                                  the bench options)
#
# Environment:
#   BENCH_PG_DB              database created afresh for the run (dropped at the end), default collab_bench
#   BENCH_PG_ADMIN_URL       where to create it, default postgresql://postgres@127.0.0.1:5432/postgres
#   BENCH_REDIS_DB           Redis database, flushed before and after the run, default 9
#   BENCH_REDIS_PORT         port of that Redis server on 127.0.0.1, default 6379
#   BENCH_PORTS              HTTP ports of the instances, default "8001 8002"
#   BENCH_SERVER_JAVA_OPTS   default -Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError
#   BENCH_CLIENT_JAVA_OPTS   default -Xms1g -Xmx2g -XX:+AlwaysPreTouch -XX:+UseG1GC
#   BENCH_KEEP_DB=1          keep the database and Redis data after the run
#   BENCH_JFR=1              record a JFR profile of each instance and of the client (CPU samples, thread CPU
#                            load, GC, locks, and every thrown exception) into the run directory
#   READY_TIMEOUT            seconds to wait for each ready line, default 120
# Output: bench/target/run-<time>/ holds the instances' logs and GC logs and the benchmark's output.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

JAR="target/collab.jar"
RUN_DIR="$ROOT/bench/target/run-$(date +%Y%m%d-%H%M%S)"
PG_DB="${BENCH_PG_DB:-collab_bench}"
PG_ADMIN_URL="${BENCH_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
REDIS_MODE=shared
REDIS_HOST=127.0.0.1
REDIS_PORT="${BENCH_REDIS_PORT:-6379}"
REDIS_DB="${BENCH_REDIS_DB:-9}"
read -r -a PORTS <<<"${BENCH_PORTS:-8001 8002}"
read -r -a SERVER_OPTS <<<"${BENCH_SERVER_JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}"
CLIENT_OPTS="${BENCH_CLIENT_JAVA_OPTS:--Xms1g -Xmx2g -XX:+AlwaysPreTouch -XX:+UseG1GC}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"
CLUSTER_NAME="collab-bench-$$"
CLUSTER_PORT="${COLLAB_CLUSTER_PORT:-5901}"
BENCH_MAIN=io.collab.bench.RealtimeBench

NODE_NAMES=()
NODE_PIDS=()
LAST_READY=""

log() { printf 'run-realtime: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=../scripts/lib/bench-servers.sh
source "$ROOT/scripts/lib/bench-servers.sh"

# Used heap in KiB right after a full GC (two, so that anything freed late is gone too).
heap_used_kib() {
  local pid="$1"
  jcmd "$pid" GC.run >/dev/null
  jcmd "$pid" GC.run >/dev/null
  jcmd "$pid" GC.heap_info | sed -n 's/.*heap *total [0-9]*K, used \([0-9]*\)K.*/\1/p' | head -1
}

metrics_heap_bytes() {
  curl -s --max-time 10 "http://127.0.0.1:$1/metrics" \
    | awk '/^jvm_memory_used_bytes\{/ && /area="heap"/ { s += $NF } END { printf "%.0f\n", s }'
}

rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }

# Live objects by class (jcmd GC.class_histogram runs a full GC first) into file $2.
histogram() { jcmd "$1" GC.class_histogram >"$2"; }

# The classes whose live bytes grew most between two histograms, per socket ($3 sockets).
histogram_diff() {
  command -v python3 >/dev/null || { echo "(python3 missing; skipped)"; return 0; }
  python3 - "$1" "$2" "$3" <<'PY'
import re, sys
def load(path):
    out = {}
    for line in open(path):
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            n, b, cls = int(m.group(1)), int(m.group(2)), m.group(3)
            pn, pb = out.get(cls, (0, 0))
            out[cls] = (pn + n, pb + b)
    return out
before, after, sockets = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
rows = []
for cls, (n, b) in after.items():
    n0, b0 = before.get(cls, (0, 0))
    rows.append((b - b0, n - n0, cls))
rows.sort(reverse=True)
total = sum(r[0] for r in rows)
print("  %-72s %12s %10s %10s" % ("class (largest growth first)", "bytes", "instances", "B/socket"))
for db, dn, cls in rows[:20]:
    print("  %-72s %12d %10d %10.0f" % (cls[:72], db, dn, db / sockets))
print("  %-72s %12d %10s %10.0f" % ("all classes", total, "", total / sockets))
PY
}

scenario_fanout() {
  prepare "${PORTS[0]}" "${PORTS[1]}"
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  machine | tee "$RUN_DIR/machine.txt"
  start_pair "${PORTS[0]}" "${PORTS[1]}"
  shift_workspace_ids
  log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  bench --hosts "127.0.0.1:${PORTS[0]},127.0.0.1:${PORTS[1]}" --sockets 1000 --workspaces 100 --rate 1 \
    --warmup 10 --duration 60 --redis-spy "$REDIS_HOST:$REDIS_PORT/$REDIS_DB" --watch "$(watch_list)" "$@" 2>&1 | tee "$RUN_DIR/bench.out"
  window_summary "$RUN_DIR/bench.out" | tee "$RUN_DIR/summary.txt"
}

scenario_idle() {
  prepare "${PORTS[0]}"
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  machine | tee "$RUN_DIR/machine.txt"
  start_node node1 "${PORTS[0]}"
  shift_workspace_ids
  local pid gate out bench_pid before before_rss after after_rss after_metrics closed sockets
  pid="$(node_pid node1)"
  # absolute: Maven runs the client with bench/ as its working directory
  gate="$RUN_DIR/gate"
  out="$RUN_DIR/bench.out"
  : >"$out"
  bench --hosts "127.0.0.1:${PORTS[0]}" --idle --sockets 10000 --workspaces 100 --duration 30 \
    --gate "$gate" --watch "$(watch_list)" "$@" >"$out" 2>&1 &
  bench_pid=$!
  tail -n +1 -f "$out" --pid="$bench_pid" &
  wait_for_line "$out" BENCH-SETUP-DONE "$bench_pid" 900 || die "the benchmark's setup did not finish"
  sleep 2
  before="$(heap_used_kib "$pid")"
  before_rss="$(rss_kib "$pid")"
  histogram "$pid" "$RUN_DIR/histogram-before.txt"
  log "server heap after full GC, before connecting: $before KiB (RSS $before_rss KiB)"
  touch "$gate"
  wait_for_line "$out" BENCH-IDLE-READY "$bench_pid" 900 || die "the sockets did not all connect"
  sockets="$(sed -n 's/^BENCH-IDLE-READY \([0-9]*\).*/\1/p' "$out" | head -1)"
  sleep 5
  after="$(heap_used_kib "$pid")"
  after_metrics="$(metrics_heap_bytes "${PORTS[0]}")"
  after_rss="$(rss_kib "$pid")"
  histogram "$pid" "$RUN_DIR/histogram-connected.txt"
  if [[ "${BENCH_JFR:-0}" == 1 ]]; then
    # old-object samples with their reference chains: who keeps each socket's objects alive
    jcmd "$pid" JFR.dump name=1 path-to-gc-roots=true filename="$RUN_DIR/node1-connected.jfr" >/dev/null
  fi
  log "server heap after full GC, $sockets sockets connected: $after KiB (RSS $after_rss KiB)"
  wait "$bench_pid" || log "the benchmark exited with status $?"
  sleep 3
  closed="$(heap_used_kib "$pid")"
  {
    echo
    echo "== server heap, one instance =="
    printf '%-44s %s\n' "sockets connected" "$sockets"
    printf '%-44s %s KiB\n' "heap used after full GC, before connecting" "$before"
    printf '%-44s %s KiB (metrics endpoint: %s KiB)\n' "heap used after full GC, sockets connected" "$after" \
      "$((after_metrics / 1024))"
    printf '%-44s %s KiB\n' "heap used after full GC, sockets closed" "$closed"
    printf '%-44s %s bytes\n' "heap per socket" "$(((after - before) * 1024 / sockets))"
    printf '%-44s %s KiB -> %s KiB (%s bytes per socket; includes direct buffers and thread stacks)\n' \
      "process RSS" "$before_rss" "$after_rss" "$(((after_rss - before_rss) * 1024 / sockets))"
    echo "live heap growth by class (jcmd GC.class_histogram, before connecting -> all connected):"
    histogram_diff "$RUN_DIR/histogram-before.txt" "$RUN_DIR/histogram-connected.txt" "$sockets"
    echo "node1 GC: $(gc_summary "$RUN_DIR/node1-gc.log") (whole run, including the forced full GCs)"
    echo "logs: $RUN_DIR"
  } | tee -a "$RUN_DIR/heap.txt"
}

main() {
  local scenario="${1:-help}"
  [[ $# -gt 0 ]] && shift
  # the client's --compression offer only counts if the server accepts it (realtime.compression, off by default)
  if [[ " $* " == *" --compression "* ]]; then export COLLAB_REALTIME_COMPRESSION=true; fi
  case "$scenario" in
    fanout) raise_file_limit; scenario_fanout "$@" ;;
    idle) raise_file_limit; scenario_idle "$@" ;;
    help | -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" ;;
    *) die "unknown scenario '$scenario' (expected fanout, idle or help)" ;;
  esac
}

main "$@"

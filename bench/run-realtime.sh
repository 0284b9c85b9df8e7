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
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
REDIS_DB="${BENCH_REDIS_DB:-9}"
read -r -a PORTS <<<"${BENCH_PORTS:-8001 8002}"
read -r -a SERVER_OPTS <<<"${BENCH_SERVER_JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}"
CLIENT_OPTS="${BENCH_CLIENT_JAVA_OPTS:--Xms1g -Xmx2g -XX:+AlwaysPreTouch -XX:+UseG1GC}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"
MVN=(mvn -q -B -Dstyle.color=never)

NODE_NAMES=()
NODE_PIDS=()

# Maven 3.8 prints stray colour resets even in batch mode; drop them (unbuffered, the idle scenario reads the output
# as it comes).
mvn_q() { "${MVN[@]}" "$@" 2>&1 | sed -u 's/\x1b\[0m//g'; }

log() { printf 'run-realtime: %s\n' "$*" >&2; }
# shellcheck source=../scripts/lib/processes.sh
source "$ROOT/scripts/lib/processes.sh"
die() { log "$*"; exit 1; }

random_secret() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

raise_file_limit() {
  if ! ulimit -n 65536 2>/dev/null; then
    local hard
    hard="$(ulimit -Hn)"
    if [[ "$hard" == unlimited ]]; then
      ulimit -n 65536
    else
      ulimit -n "$hard"
    fi
  fi
  log "open-file limit for the instances and the client: $(ulimit -n)"
}

machine() {
  echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -m | awk '/^Mem:/{print $2}') MiB memory"
  echo "java: $(java -version 2>&1 | head -2 | tail -1)"
  echo "redis: $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" info server | tr -d '\r' | awk -F: '/^redis_version/{print $2}'), postgresql: $(psql "$PG_ADMIN_URL" -Atc 'show server_version')"
  echo "uptime: $(uptime)"
}

prepare() {
  command -v psql >/dev/null || die "psql is required"
  command -v redis-cli >/dev/null || die "redis-cli is required"
  command -v jcmd >/dev/null || die "jcmd (JDK) is required"
  for port in "$@"; do
    port_busy "$port" && die "port $port is already in use"
  done
  mkdir -p "$RUN_DIR"
  if [[ ! -f "$JAR" ]]; then
    log "$JAR is missing; building it (mvn -q -B -DskipTests package)"
    mvn_q -DskipTests package >&2
  fi
  log "compiling the load generator (bench/pom.xml)"
  mvn_q -f bench/pom.xml compile >&2

  log "creating database $PG_DB"
  psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "SET client_min_messages TO warning" \
    -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >&2
  log "flushing Redis database $REDIS_DB"
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$REDIS_DB" FLUSHDB >/dev/null

  export COLLAB_PG_URL="postgresql://postgres@127.0.0.1:5432/$PG_DB"
  export COLLAB_REDIS_URL="redis://$REDIS_HOST:$REDIS_PORT/$REDIS_DB"
  export COLLAB_JWT_SECRET="$(random_secret)"
  export COLLAB_JWT_ACCESS_TTL_SECONDS=3600
  export COLLAB_CLUSTER_NAME="collab-bench-$$"
  # The load generator spies on the channels by name (collab:<db>:ws:<id>): keep the prefix fixed, not derived from
  # the deployment id. The Redis database is flushed before each run, so no earlier deployment's claim remains.
  export COLLAB_REDIS_KEY_PREFIX=collab
  export COLLAB_CLUSTER_MEMBERS=127.0.0.1
  export COLLAB_CLUSTER_HOST=127.0.0.1
  export COLLAB_CLUSTER_PORT="${COLLAB_CLUSTER_PORT:-5901}"
  export COLLAB_HTTP_HOST=127.0.0.1
  export COLLAB_ROLES="api,realtime,persistence"
  export COLLAB_RATE_LIMIT_REGISTER_PER_WINDOW=1000000
  export COLLAB_RATE_LIMIT_LOGIN_PER_WINDOW=1000000
  export COLLAB_RATE_LIMIT_USER_PER_WINDOW=1000000
  export COLLAB_REALTIME_MESSAGES_PER_SECOND=1000
  export COLLAB_LOG_FORMAT=json
}

# Starts instance $1 on port $2 and waits for its ready line.
start_node() {
  local name="$1" port="$2" pid line deadline
  (
    export COLLAB_HTTP_PORT="$port"
    exec java "${SERVER_OPTS[@]}" "-Xlog:gc:file=$RUN_DIR/$name-gc.log:timemillis,uptime" $(jfr_opts "$name") \
      -Dhazelcast.tcp.join.port.try.count=10 -jar "$JAR" start
  ) >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  pid=$!
  NODE_NAMES+=("$name")
  NODE_PIDS+=("$pid")
  log "started $name (pid $pid, port $port); log $RUN_DIR/$name.log"
  deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    line="$(grep -m1 '^collab ready: ' "$RUN_DIR/$name.log" || true)"
    if [[ -n "$line" ]]; then
      echo "$name: $line"
      LAST_READY="$line"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 5 "$RUN_DIR/$name.log" >&2 || true
      die "$name exited before it was ready"
    fi
    sleep 0.5
  done
  die "$name was not ready after $READY_TIMEOUT s"
}

node_pid() {
  local i
  for i in "${!NODE_NAMES[@]}"; do
    [[ "${NODE_NAMES[$i]}" == "$1" ]] && echo "${NODE_PIDS[$i]}"
  done
}

# Workspace ids far above those of test suites: the channels carry the database number (collab:<db>:ws:<id>), but
# a test suite may use this run's database too, and small workspace ids would then cross-talk.
shift_workspace_ids() {
  local base=$((700000000 + (RANDOM % 1000) * 100000))
  psql "postgresql://postgres@127.0.0.1:5432/$PG_DB" -q -v ON_ERROR_STOP=1 \
    -c "ALTER TABLE workspaces ALTER COLUMN id RESTART WITH $base" >&2
}

# JVM options recording a JFR profile named $1 when BENCH_JFR=1: the "profile" settings plus exception events.
jfr_opts() {
  [[ "${BENCH_JFR:-0}" == 1 ]] || return 0
  local jfc="$RUN_DIR/profile-exceptions.jfc"
  if [[ ! -f "$jfc" ]]; then
    local java_home
    java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
    awk '/<event name="jdk.JavaExceptionThrow">/ { in_ev = 1 }
         in_ev && /name="enabled"/ { sub(/>false</, ">true<"); in_ev = 0 }
         { print }' "$java_home/lib/jfr/profile.jfc" >"$jfc"
  fi
  echo "-XX:StartFlightRecording=settings=$(readlink -f "$jfc"),filename=$(readlink -f "$RUN_DIR")/$1.jfr,dumponexit=true"
}

stop_nodes() {
  stop_named NODE_NAMES NODE_PIDS
  NODE_PIDS=()
}

cleanup() {
  stop_nodes
  if [[ "${BENCH_KEEP_DB:-0}" != 1 && -n "${COLLAB_PG_URL:-}" ]]; then
    psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$REDIS_DB" FLUSHDB >/dev/null 2>&1 || true
  fi
}

redis_pid() {
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" info server | tr -d '\r' | awk -F: '/^process_id/{print $2}'
}

watch_list() {
  local i out=""
  for i in "${!NODE_NAMES[@]}"; do
    out+="${NODE_NAMES[$i]}=${NODE_PIDS[$i]},"
  done
  echo "${out}redis=$(redis_pid)"
}

# Runs the load generator in this shell's foreground (inherits the open-file limit).
bench() {
  mvn_q -f bench/pom.xml exec:exec@bench \
    -Dbench.jvm="$CLIENT_OPTS -Xlog:gc:file=$RUN_DIR/client-gc.log:timemillis,uptime $(jfr_opts client)" \
    -Dbench.args="$*"
}

# Summary of the GC pauses in an instance's GC log, between epoch milliseconds $2 and $3 (default: all).
gc_summary() {
  awk -v from="${2:-0}" -v to="${3:-99999999999999}" '
    /Pause/ && $NF ~ /ms$/ {
      if (!match($0, /\[[0-9]+ms\]/)) next
      at = substr($0, RSTART + 1, RLENGTH - 4) + 0
      if (at < from || at > to) next
      n++; v = $NF; sub(/ms$/, "", v); v += 0; t += v; if (v > m) m = v
    }
    END { printf "%d pauses, %.0f ms total, longest %.1f ms\n", n, t, m }' "$1"
}

# GC pauses of at least 10 ms in an instance's GC log between epoch milliseconds $2 and $3, as "HH:MM:SS.mmm Nms".
gc_pauses() {
  awk -v from="$2" -v to="$3" '
    /Pause/ && $NF ~ /ms$/ {
      if (!match($0, /\[[0-9]+ms\]/)) next
      at = substr($0, RSTART + 1, RLENGTH - 4) + 0
      v = $NF; sub(/ms$/, "", v); v += 0
      if (at >= from && at <= to && v >= 10) printf "%d %.0f\n", at, v
    }' "$1" | while read -r at ms; do
    printf '%s.%03d %sms ' "$(date -u -d "@$((at / 1000))" +%H:%M:%S)" "$((at % 1000))" "$ms"
  done
}

# Redis commands slower than the server's slowlog threshold between epoch milliseconds $1 and $2, whoever sent them
# (the Redis server is shared); python3 parses the JSON, without it this is skipped.
redis_slowlog() {
  command -v python3 >/dev/null || { echo "(python3 missing; skipped)"; return 0; }
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --json slowlog get 128 | python3 -c '
import json, sys
lo, hi = int(sys.argv[1]) // 1000, (int(sys.argv[2]) + 999) // 1000
rows = [e for e in json.load(sys.stdin) if lo <= e[1] <= hi]
if not rows:
    print("none")
else:
    names = {}
    for e in rows:
        names[e[3][0].lower()] = names.get(e[3][0].lower(), 0) + 1
    print("%d commands, longest %.1f ms (%s)" % (len(rows), max(e[2] for e in rows) / 1000.0,
          ", ".join("%s x%d" % kv for kv in sorted(names.items()))))
' "$1" "$2"
}

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

wait_for_line() {  # file pattern pid timeout
  local deadline=$((SECONDS + $4))
  while ((SECONDS < deadline)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

scenario_fanout() {
  prepare "${PORTS[0]}" "${PORTS[1]}"
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  machine | tee "$RUN_DIR/machine.txt"
  start_node node1 "${PORTS[0]}"
  start_node node2 "${PORTS[1]}"
  [[ "$LAST_READY" == *"cluster_size=2"* ]] || die "the two instances did not form one cluster: $LAST_READY"
  shift_workspace_ids
  log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  local slow_threshold window
  slow_threshold="$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" config get slowlog-log-slower-than | tail -1)"
  bench --hosts "127.0.0.1:${PORTS[0]},127.0.0.1:${PORTS[1]}" --sockets 1000 --workspaces 100 --rate 1 \
    --warmup 10 --duration 60 --redis-spy "$REDIS_HOST:$REDIS_PORT/$REDIS_DB" --watch "$(watch_list)" "$@" 2>&1 | tee "$RUN_DIR/bench.out"
  read -r -a window < <(sed -n 's/^BENCH-WINDOW \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$RUN_DIR/bench.out" | head -1)
  {
    for name in node1 node2 client; do
      printf '%-18s %s\n' "$name GC" "$(gc_summary "$RUN_DIR/$name-gc.log" "${window[@]}") in the measured window"
      [[ ${#window[@]} -eq 2 ]] && printf '%-18s %s\n' "" "pauses >= 10 ms (UTC): $(gc_pauses "$RUN_DIR/$name-gc.log" "${window[@]}")"
    done
    if [[ ${#window[@]} -eq 2 ]]; then
      printf '%-18s %s\n' "redis slowlog" "$(redis_slowlog "${window[@]}") slower than ${slow_threshold} us in the window"
    fi
    echo "logs: $RUN_DIR"
  } | tee "$RUN_DIR/summary.txt"
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
    help | -h | --help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown scenario '$scenario' (expected fanout, idle or help)" ;;
  esac
}

LAST_READY=""
main "$@"

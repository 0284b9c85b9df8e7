# Shared by the benchmark scripts under bench/ (run-realtime.sh, run-docs.sh, jobs/run.sh): a fresh database, Redis,
# collab instances started as plain processes on loopback, the load generator of bench/pom.xml (or BENCH_POM), and
# what the logs say afterwards. Source it after defining log() (one line to stderr) and die(), and after setting:
#
#   ROOT RUN_DIR JAR PG_DB PG_ADMIN_URL REDIS_HOST REDIS_PORT REDIS_DB READY_TIMEOUT CLIENT_OPTS
#   SERVER_OPTS (array)  CLUSTER_NAME  CLUSTER_PORT (first Hazelcast port tried)
#   REDIS_MODE           shared: the Redis server at REDIS_HOST:REDIS_PORT, database REDIS_DB flushed before and
#                        after; private: a redis-server of the run's own on REDIS_PORT (no persistence), stopped at
#                        the end
#   BENCH_MAIN           main class of the load generator (bench/pom.xml's bench.main)
#   BENCH_POM            the load generator's project, default ROOT/bench/pom.xml
#   BUILD_WHEN_STALE     1 (default): rebuild JAR when anything under src/main or pom.xml is newer than it; 0: only
#                        when missing (a benchmark of a stale jar measures code that is no longer there)
#   COLLAB_DIR           the checkout whose build runs (JAR is its target/collab.jar); default ROOT. The load
#                        generator always comes from ROOT's bench/, compiled against COLLAB_DIR's plain jar
#
# and NODE_NAMES=() NODE_PIDS=() LAST_READY="". Every process it starts is stopped by cleanup (trap it on EXIT).
# shellcheck shell=bash

# shellcheck source=processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh"

COLLAB_DIR="${COLLAB_DIR:-$ROOT}"
MVN=(mvn -q -B -Dstyle.color=never)
# the service's plain jar, which bench/pom.xml puts on the load generator's class path (io.collab.documents)
BENCH_POM="${BENCH_POM:-$ROOT/bench/pom.xml}"
BENCH_MVN=(-f "$BENCH_POM" "-Dcollab.jar=$COLLAB_DIR/target/collab-0.1.0-SNAPSHOT.jar")
REDIS_PID=""
DB_CREATED=0

# Maven 3.8 prints stray colour resets even in batch mode; drop them (unbuffered, the idle scenario reads the output
# as it comes).
mvn_q() { "${MVN[@]}" "$@" 2>&1 | sed -u 's/\x1b\[0m//g'; }

redis_cli() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$REDIS_DB" "$@"; }

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
  echo "redis ($REDIS_MODE, $REDIS_HOST:$REDIS_PORT/$REDIS_DB): $(redis_cli info server | tr -d '\r' | awk -F: '/^redis_version/{print $2}'), postgresql: $(psql "$PG_ADMIN_URL" -Atc 'show server_version')"
  echo "collab: $COLLAB_DIR at $(git -C "$COLLAB_DIR" rev-parse --short HEAD 2>/dev/null || echo '(no git)')$(git -C "$COLLAB_DIR" diff --quiet HEAD -- src pom.xml 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "uptime: $(uptime)"
}

jar_stale() {
  [[ ! -f "$JAR" ]] && return 0
  [[ "${BUILD_WHEN_STALE:-1}" == 1 ]] || return 1
  [[ -n "$(find "$COLLAB_DIR/src/main" "$COLLAB_DIR/pom.xml" -newer "$JAR" -type f -print -quit)" ]]
}

build_jar() {
  log "$JAR is missing or older than the sources; building it (mvn -q -B -DskipTests package in $COLLAB_DIR)"
  (cd "$COLLAB_DIR" && mvn_q -DskipTests package >&2)
}

# prepare PORT...: checks the tools and ports, builds what is missing, creates the database, readies Redis and
# exports the instances' environment.
prepare() {
  command -v psql >/dev/null || die "psql is required"
  command -v redis-cli >/dev/null || die "redis-cli is required"
  command -v jcmd >/dev/null || die "jcmd (JDK) is required"
  [[ "$PG_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "the database name must be a plain lower-case identifier: $PG_DB"
  for port in "$@"; do
    port_busy "$port" && die "port $port is already in use"
  done
  mkdir -p "$RUN_DIR"
  if jar_stale; then
    build_jar
  fi
  log "compiling the load generator (${BENCH_POM#"$ROOT/"})"
  mvn_q "${BENCH_MVN[@]}" compile >&2

  create_database "$PG_ADMIN_URL" "$PG_DB"
  if [[ "$REDIS_MODE" == private ]]; then
    start_private_redis "$RUN_DIR" "$REDIS_PORT"
  else
    log "flushing Redis database $REDIS_DB"
    redis_cli FLUSHDB >/dev/null
  fi

  export COLLAB_PG_URL="postgresql://postgres@127.0.0.1:5432/$PG_DB"
  export COLLAB_REDIS_URL="redis://$REDIS_HOST:$REDIS_PORT/$REDIS_DB"
  export COLLAB_JWT_SECRET="$(random_secret)"
  export COLLAB_JWT_ACCESS_TTL_SECONDS=3600
  export COLLAB_CLUSTER_NAME="$CLUSTER_NAME"
  # The realtime load generator spies on the channels by name (collab:<db>:ws:<id>): keep the prefix fixed, not
  # derived from the deployment id. The Redis database is fresh or flushed before each run, so no earlier
  # deployment's claim remains.
  export COLLAB_REDIS_KEY_PREFIX=collab
  export COLLAB_CLUSTER_MEMBERS=127.0.0.1
  export COLLAB_CLUSTER_HOST=127.0.0.1
  export COLLAB_CLUSTER_PORT="$CLUSTER_PORT"
  export COLLAB_HTTP_HOST=127.0.0.1
  export COLLAB_ROLES="api,realtime,persistence"
  export COLLAB_RATE_LIMIT_REGISTER_PER_WINDOW=1000000
  export COLLAB_RATE_LIMIT_LOGIN_PER_WINDOW=1000000
  export COLLAB_RATE_LIMIT_USER_PER_WINDOW=1000000
  export COLLAB_REALTIME_MESSAGES_PER_SECOND=1000
  export COLLAB_LOG_FORMAT=json
}

# Starts instance $1 on port $2 (with roles $3, default COLLAB_ROLES) and waits for its ready line.
start_node() {
  local name="$1" port="$2" roles="${3:-$COLLAB_ROLES}" pid line deadline
  (
    export COLLAB_HTTP_PORT="$port"
    export COLLAB_ROLES="$roles"
    # shellcheck disable=SC2046
    exec java "${SERVER_OPTS[@]}" "-Xlog:gc:file=$RUN_DIR/$name-gc.log:timemillis,uptime" $(jfr_opts "$name") \
      -Dhazelcast.tcp.join.port.try.count=10 -jar "$JAR" start
  ) >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  pid=$!
  NODE_NAMES+=("$name")
  NODE_PIDS+=("$pid")
  log "started $name (pid $pid, port $port, roles $roles); log $RUN_DIR/$name.log"
  deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    line="$(grep -m1 '^collab ready: ' "$RUN_DIR/$name.log" 2>/dev/null || true)"  # the log may not exist yet
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

# start_pair PORT1 PORT2: node1 and node2 in one cluster.
start_pair() {
  start_node node1 "$1"
  start_node node2 "$2"
  [[ "$LAST_READY" == *"cluster_size=2"* ]] || die "the two instances did not form one cluster: $LAST_READY"
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
  if [[ "$DB_CREATED" == 1 && "${BENCH_KEEP_DB:-0}" != 1 ]]; then
    psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    [[ "$REDIS_MODE" == private ]] || redis_cli FLUSHDB >/dev/null 2>&1 || true
  fi
  if [[ -n "$REDIS_PID" ]]; then
    stop_pids 10 "redis=$REDIS_PID"
    REDIS_PID=""
  fi
}

redis_pid() {
  redis_cli info server | tr -d '\r' | awk -F: '/^process_id/{print $2}'
}

watch_list() {
  local i out=""
  for i in "${!NODE_NAMES[@]}"; do
    out+="${NODE_NAMES[$i]}=${NODE_PIDS[$i]},"
  done
  echo "${out}redis=$(redis_pid)${WATCH_EXTRA:-}"
}

# Runs the load generator (BENCH_MAIN) in this shell's foreground (inherits the open-file limit).
bench() {
  mvn_q "${BENCH_MVN[@]}" exec:exec@bench -Dbench.main="$BENCH_MAIN" \
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
# (the Redis server may be shared); python3 parses the JSON, without it this is skipped.
redis_slowlog() {
  command -v python3 >/dev/null || { echo "(python3 missing; skipped)"; return 0; }
  redis_cli --json slowlog get 128 | python3 -c '
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

# window_summary BENCH_OUTPUT: GC pauses of node1, node2 and the client, and the Redis slowlog, over the measured
# window the load generator printed (BENCH-WINDOW <from ms> <to ms>).
window_summary() {
  local window slow_threshold
  read -r -a window < <(sed -n 's/^BENCH-WINDOW \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$1" | head -1)
  slow_threshold="$(redis_cli config get slowlog-log-slower-than | tail -1)"
  for name in node1 node2 client; do
    printf '%-18s %s\n' "$name GC" "$(gc_summary "$RUN_DIR/$name-gc.log" "${window[@]}") in the measured window"
    [[ ${#window[@]} -eq 2 ]] && printf '%-18s %s\n' "" "pauses >= 10 ms (UTC): $(gc_pauses "$RUN_DIR/$name-gc.log" "${window[@]}")"
  done
  if [[ ${#window[@]} -eq 2 ]]; then
    printf '%-18s %s\n' "redis slowlog" "$(redis_slowlog "${window[@]}") slower than ${slow_threshold} us in the window"
  fi
  echo "logs: $RUN_DIR"
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

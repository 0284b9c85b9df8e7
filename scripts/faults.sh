#!/usr/bin/env bash
# The fault suite: starts a private two-node collab cluster and breaks its parts one at a time, as an operator would,
# printing one PASS/FAIL line per scenario with what it measured. Expected results: docs/reliability.md.
#
#   private redis-server        127.0.0.1:BASE        (nothing on disk; frozen, then restarted empty)
#   private PostgreSQL          127.0.0.1:BASE+1      (initdb in a temp dir as the postgres user; stopped, started)
#   nginx (deploy/nginx.conf)   http://127.0.0.1:BASE+10, over node1 and node2
#   node1, node2                roles api,realtime,persistence on BASE+11, BASE+12
#   worker1, worker2            role worker on BASE+13, BASE+14 (jobs.sandbox none, jobs.leaseMs 5000)
# The machine's own PostgreSQL and Redis are never touched.
#
# Usage:
#   scripts/faults.sh                 every scenario, in this order:
#                                     redis_frozen postgres_stopped redis_restarted_empty worker_killed instance_killed
#   scripts/faults.sh NAME...         only these scenarios (same names, run in the order above)
#   scripts/faults.sh --with-tests    also the fault tests that need their own topology (Sentinel failover, a
#                                     frozen Redis in-process, a slow reader), through mvn
# Settings (environment):
#   FAULTS_BASE_PORT      first port, default 18400 (BASE above; Hazelcast uses BASE+20 and up)
#   FAULTS_KEEP           1 keeps the run directory (logs, nginx.conf, PostgreSQL data) after the run
#   COLLAB_JAVA_OPTS      JVM options for every node, default -XX:+ExitOnOutOfMemoryError -Xmx384m
#   READY_TIMEOUT         seconds to wait for each node's ready line, default 120
# Exit status: 0 when every scenario passed, 1 otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf 'faults: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=lib/processes.sh
source "$ROOT/scripts/lib/processes.sh"

JAR="target/collab.jar"
BASE="${FAULTS_BASE_PORT:-18400}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"
read -r -a JAVA_OPTS <<<"${COLLAB_JAVA_OPTS:--XX:+ExitOnOutOfMemoryError -Xmx384m}"
NODES=(node1 node2 worker1 worker2)
ROLES=("api,realtime,persistence" "api,realtime,persistence" "worker" "worker")
HTTP_PORTS=($((BASE + 11)) $((BASE + 12)) $((BASE + 13)) $((BASE + 14)))
REDIS_PORT="$BASE"
PG_PORT_PRIVATE=$((BASE + 1))
LB_PORT=$((BASE + 10))
COMMAND_TIMEOUT_MS=2000
PG_CONNECT_TIMEOUT_MS=5000
LEASE_MS=5000

RUN_DIR=""  # made by main: a temporary directory for every process's files
PIDS=""

cleanup() {
  local name pid entries=()
  while read -r name pid; do
    [[ -n "${pid:-}" ]] && entries+=("$name=$pid")
  done <"$PIDS"
  ((${#entries[@]} == 0)) || stop_pids 30 "${entries[@]}" 2>/dev/null
  stop_private_postgres
  if [[ "${FAULTS_KEEP:-0}" == 1 ]]; then
    log "run directory kept: $RUN_DIR"
  else
    rm -rf "$RUN_DIR"
  fi
}

start_node() {
  local i="$1"
  (
    export COLLAB_HTTP_PORT="${HTTP_PORTS[$i]}" COLLAB_ROLES="${ROLES[$i]}"
    exec java "${JAVA_OPTS[@]}" -Dhazelcast.tcp.join.port.try.count=10 -jar "$JAR" start
  ) >"$RUN_DIR/${NODES[$i]}.log" 2>&1 </dev/null &
  printf '%s %s\n' "${NODES[$i]}" "$!" >>"$PIDS"
}

wait_ready() {
  local node="$1" deadline=$((SECONDS + READY_TIMEOUT)) pid
  pid="$(awk -v n="$node" '$1 == n { print $2 }' "$PIDS")"
  while ((SECONDS < deadline)); do
    grep -q '^collab ready: ' "$RUN_DIR/$node.log" && return 0
    kill -0 "$pid" 2>/dev/null || { tail -n 5 "$RUN_DIR/$node.log" >&2; die "$node exited before it was ready"; }
    sleep 0.5
  done
  die "$node was not ready after $READY_TIMEOUT s; see $RUN_DIR/$node.log"
}

start_everything() {
  local i port
  for port in "${HTTP_PORTS[@]}" "$LB_PORT"; do
    port_busy "$port" && die "port $port is already in use (set FAULTS_BASE_PORT)"
  done
  [[ -f "$JAR" ]] || { log "$JAR is missing; building it"; mvn -q -B -DskipTests -Dweb.skip=true package >&2; }
  command -v python3 >/dev/null || die "python3 is required"

  start_private_redis "$RUN_DIR" "$REDIS_PORT"
  printf 'redis %s\n' "$REDIS_PID" >>"$PIDS"
  start_private_postgres "$RUN_DIR" "$PG_PORT_PRIVATE"
  create_database "postgresql://postgres@127.0.0.1:$PG_PORT_PRIVATE/postgres" collab

  export COLLAB_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT_PRIVATE/collab"
  export COLLAB_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  export COLLAB_REDIS_COMMAND_TIMEOUT_MS="$COMMAND_TIMEOUT_MS" COLLAB_PG_CONNECT_TIMEOUT_MS="$PG_CONNECT_TIMEOUT_MS"
  export COLLAB_JWT_SECRET="$(random_secret)"
  export COLLAB_CLUSTER_NAME="collab-faults-$$" COLLAB_CLUSTER_PORT=$((BASE + 20))
  export COLLAB_CLUSTER_MEMBERS=127.0.0.1 COLLAB_CLUSTER_HOST=127.0.0.1 COLLAB_HTTP_HOST=127.0.0.1
  export COLLAB_HTTP_TRUST_FORWARDED_FOR=true
  # the scenarios log in and register far more often than a person: the login limit must not be what they measure
  export COLLAB_RATE_LIMIT_LOGIN_PER_WINDOW=100000 COLLAB_RATE_LIMIT_REGISTER_PER_WINDOW=100000
  export COLLAB_JOBS_SANDBOX=none COLLAB_JOBS_LEASE_MS="$LEASE_MS"

  # node1 founds the cluster (and migrates the database); the others join it together
  start_node 0
  wait_ready node1
  for i in 1 2 3; do start_node "$i"; done
  for i in 1 2 3; do wait_ready "${NODES[$i]}"; done
  log "cluster ready: $(grep -h '^collab ready: ' "$RUN_DIR/worker2.log")"
  start_nginx "$RUN_DIR/nginx" "$LB_PORT" "127.0.0.1:${HTTP_PORTS[0]}" "127.0.0.1:${HTTP_PORTS[1]}"
  printf 'nginx %s\n' "$NGINX_PID" >>"$PIDS"
}

run_scenarios() {
  # a shell command prefix the scenarios complete with 'stop fast' or 'start': pg_ctl on the private cluster only
  local pg_ctl="log() { :; }; die() { echo \"\$*\" >&2; exit 1; }; source '$ROOT/scripts/lib/processes.sh';"
  pg_ctl+=" PG_DIR='$PG_DIR' PG_PORT=$PG_PORT_PRIVATE; pg_ctl_private"
  FAULTS_RUN_DIR="$RUN_DIR" FAULTS_PIDS="$PIDS" FAULTS_REDIS_PORT="$REDIS_PORT" \
    FAULTS_LB_URL="http://127.0.0.1:$LB_PORT" \
    FAULTS_NODE1_URL="http://127.0.0.1:${HTTP_PORTS[0]}" FAULTS_NODE2_URL="http://127.0.0.1:${HTTP_PORTS[1]}" \
    FAULTS_COMMAND_TIMEOUT_MS="$COMMAND_TIMEOUT_MS" FAULTS_PG_CONNECT_TIMEOUT_MS="$PG_CONNECT_TIMEOUT_MS" \
    FAULTS_LEASE_MS="$LEASE_MS" \
    FAULTS_PG_CTL="$pg_ctl" \
    python3 "$ROOT/scripts/lib/faults.py" "$@"
}

# The scenarios that need a topology of their own run as JUnit tests; one PASS/FAIL line each. The cluster is
# stopped first (the tests start their own services), and the tests use the private PostgreSQL and Redis.
run_tests() {
  local test status=0 report name pid nodes=() unset_cluster=()
  while read -r name pid; do
    [[ "$name" == redis ]] || nodes+=("$name=$pid")
  done <"$PIDS"
  ((${#nodes[@]} == 0)) || stop_pids 30 "${nodes[@]}"
  # the cluster's COLLAB_* settings would override the tests' own configuration
  for name in $(compgen -e | grep '^COLLAB_'); do unset_cluster+=(-u "$name"); done
  for test in SentinelFailoverTest RedisFreezeTest SlowClientTest; do
    if env "${unset_cluster[@]}" COLLAB_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT_PRIVATE/postgres" \
      COLLAB_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
      nice mvn -q -B test -Dweb.skip=true -Dtest="$test" >"$RUN_DIR/$test.log" 2>&1; then
      report="$(find target/surefire-reports -name "*.$test.txt" -exec grep -h 'Tests run' {} + | head -n 1)"
      echo "PASS $test: ${report:-ran}"
    else
      echo "FAIL $test: see target/surefire-reports (log $RUN_DIR/$test.log)"
      status=1
    fi
  done
  return "$status"
}

main() {
  local with_tests=0 names=() status=0 name
  for name in "$@"; do
    case "$name" in
      --with-tests) with_tests=1 ;;
      -h | --help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) names+=("$name") ;;
    esac
  done
  RUN_DIR="$(mktemp -d /tmp/collab-faults.XXXXXX)"
  PIDS="$RUN_DIR/pids"
  : >"$PIDS"
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  start_everything
  run_scenarios "${names[@]}" || status=1
  if ((with_tests)); then
    run_tests || status=1
  fi
  exit "$status"
}

main "$@"

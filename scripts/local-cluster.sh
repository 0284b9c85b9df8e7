#!/usr/bin/env bash
# Runs the docker-compose topology as plain processes on loopback, against the local PostgreSQL and Redis:
#   node1  roles api,realtime,persistence  http://127.0.0.1:8001
#   node2  roles api,realtime,persistence  http://127.0.0.1:8002
#   worker roles worker                    http://127.0.0.1:8003 (health and metrics only)
#   lb     nginx with deploy/nginx.conf    http://127.0.0.1:8000, balancing over node1 and node2 (as compose's lb)
# All three nodes join one Hazelcast cluster by TCP-IP on 127.0.0.1.
#
# Usage:
#   scripts/local-cluster.sh [--no-lb]           start the nodes (and nginx), print their ready lines, run until Ctrl-C
#   scripts/local-cluster.sh --check [--no-lb]   start, verify cluster_size=3 and every /health/ready is 200, and
#                                                through nginx: REST, WebSocket, SockJS and that load spreads; stop
#   scripts/local-cluster.sh stop                stop the nodes (and nginx) started by another invocation
#
# Settings (environment):
#   COLLAB_PG_URL         default postgresql://postgres@127.0.0.1:5432/test
#   COLLAB_REDIS_URL      default redis://127.0.0.1:6379
#   COLLAB_CLUSTER_NAME   default collab-local
#   COLLAB_CLUSTER_PORT   first Hazelcast port, default 5701 (each node takes the next free one)
#   COLLAB_JWT_SECRET     default: a random secret made for this run
#   COLLAB_JAVA_OPTS      JVM options for every node, default -XX:+ExitOnOutOfMemoryError -Xmx384m
#   READY_TIMEOUT         seconds to wait for each node's ready line, default 90
#   COLLAB_LB_PORT        nginx's port, default 8000 (docker-compose.yml's public port)
# Logs: data/local-cluster/<node>.log; pids: data/local-cluster/pids; nginx's generated configuration and logs: a
# temporary directory named in its start line. Without nginx installed (apt-get install nginx) the nodes run alone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

JAR="target/collab.jar"
RUN_DIR="data/local-cluster"
PID_FILE="$RUN_DIR/pids"
READY_TIMEOUT="${READY_TIMEOUT:-90}"
LB_PORT="${COLLAB_LB_PORT:-8000}"
WITH_LB=1
LB_DIR=""
# Node i is NODES[i], served on HTTP_PORTS[i] with roles ROLES[i]; the last one reports the final cluster size.
NODES=(node1 node2 worker)
HTTP_PORTS=(8001 8002 8003)
ROLES=("api,realtime,persistence" "api,realtime,persistence" "worker")
EXPECTED_SIZE="${#NODES[@]}"
LAST_NODE="${NODES[$((EXPECTED_SIZE - 1))]}"

export COLLAB_PG_URL="${COLLAB_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}"
export COLLAB_REDIS_URL="${COLLAB_REDIS_URL:-redis://127.0.0.1:6379}"
export COLLAB_CLUSTER_NAME="${COLLAB_CLUSTER_NAME:-collab-local}"
export COLLAB_CLUSTER_PORT="${COLLAB_CLUSTER_PORT:-5701}"
export COLLAB_CLUSTER_MEMBERS=127.0.0.1
export COLLAB_CLUSTER_HOST=127.0.0.1
export COLLAB_HTTP_HOST=127.0.0.1
# Members are listed without a port, so Hazelcast probes COLLAB_CLUSTER_PORT and the next ports (3 by default).
# Other Hazelcast processes on this machine (tests, another checkout) may hold some of them and push our nodes
# further up: probe a wider range. Members of other clusters refuse the join, so this never mixes clusters.
JOIN_PORT_TRIES=10
read -r -a JAVA_OPTS <<<"${COLLAB_JAVA_OPTS:--XX:+ExitOnOutOfMemoryError -Xmx384m}"

log() { printf 'local-cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=lib/processes.sh
source "$ROOT/scripts/lib/processes.sh"

# True when $1 is alive and is one of our java processes or our nginx (a recycled pid is left alone).
is_our_node() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'collab\.jar\|nginx'
}

running_pids() {
  [[ -f "$PID_FILE" ]] || return 0
  local node pid
  while read -r node pid; do
    if [[ -n "${pid:-}" ]] && is_our_node "$pid"; then
      printf '%s %s\n' "$node" "$pid"
    fi
  done <"$PID_FILE"
}

stop_nodes() {
  local node pid entries=()
  while read -r node pid; do
    [[ -n "${pid:-}" ]] && entries+=("$node=$pid")
  done < <(running_pids)
  ((${#entries[@]} == 0)) || stop_pids 30 "${entries[@]}"
  rm -f "$PID_FILE"
  # nginx's temporary directory, also when another invocation started it
  [[ -f "$RUN_DIR/lb-dir" ]] && rm -rf "$(cat "$RUN_DIR/lb-dir")" "$RUN_DIR/lb-dir"
  return 0
}

preflight() {
  local pids i
  pids="$(running_pids)"
  if [[ -n "$pids" ]]; then
    log "a local cluster is already running ($(tr '\n' ' ' <<<"$pids")); run: scripts/local-cluster.sh stop"
    exit 1
  fi
  for i in "${!NODES[@]}"; do
    if port_busy "${HTTP_PORTS[$i]}"; then
      log "port ${HTTP_PORTS[$i]} (for ${NODES[$i]}) is already in use"
      exit 1
    fi
  done
  if ((WITH_LB)) && ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
    log "nginx is not installed (apt-get install nginx): running the nodes without the load balancer"
    WITH_LB=0
  fi
  if ((WITH_LB)) && port_busy "$LB_PORT"; then
    log "port $LB_PORT (for nginx) is already in use; set COLLAB_LB_PORT or pass --no-lb"
    exit 1
  fi
  if [[ ! -f "$JAR" ]]; then
    log "$JAR is missing; building it (mvn -q -B -DskipTests package)"
    mvn -q -B -DskipTests package >&2
  fi
  if [[ -z "${COLLAB_JWT_SECRET:-}" ]]; then
    COLLAB_JWT_SECRET="$(random_secret)"
    log "COLLAB_JWT_SECRET is unset; using a random secret for this run"
  fi
  export COLLAB_JWT_SECRET
}

# Starts node $1 in the background and records its pid (the subshell execs java, so $! is the JVM).
start_node() {
  local i="$1"
  local node="${NODES[$i]}"
  (
    export COLLAB_HTTP_PORT="${HTTP_PORTS[$i]}"
    export COLLAB_ROLES="${ROLES[$i]}"
    exec java "${JAVA_OPTS[@]}" -Dhazelcast.tcp.join.port.try.count="$JOIN_PORT_TRIES" -jar "$JAR" start
  ) >"$RUN_DIR/$node.log" 2>&1 </dev/null &
  printf '%s %s\n' "$node" "$!" >>"$PID_FILE"
}

# Waits for the node's ready line; prints it. Fails when the node exits or the time is up.
wait_ready() {
  local node="$1" pid="$2"
  local logfile="$RUN_DIR/$node.log"
  local deadline=$((SECONDS + READY_TIMEOUT)) line
  while ((SECONDS < deadline)); do
    line="$(grep -m1 '^collab ready: ' "$logfile" || true)"
    if [[ -n "$line" ]]; then
      printf '%s\n' "$line"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$node exited before it was ready; last lines of $logfile:"
      tail -n 5 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  log "$node was not ready after ${READY_TIMEOUT} s; see $logfile"
  return 1
}

# Starts the nodes one after another (each joins the members already up), printing each ready line.
start_cluster() {
  local i node pid line
  mkdir -p "$RUN_DIR"
  : >"$PID_FILE"
  for i in "${!NODES[@]}"; do
    node="${NODES[$i]}"
    start_node "$i"
    pid="$(awk -v n="$node" '$1 == n { print $2 }' "$PID_FILE")"
    log "started $node (pid $pid, http ${HTTP_PORTS[$i]}, roles ${ROLES[$i]}); log $RUN_DIR/$node.log"
    line="$(wait_ready "$node" "$pid")" || return 1
    printf '%s: %s\n' "$node" "$line"
    LAST_READY="$line"
  done
  if ((WITH_LB)); then
    start_lb
  fi
}

# host:port of every node with the api role: nginx's upstreams.
api_upstreams() {
  local i
  for i in "${!NODES[@]}"; do
    if [[ "${ROLES[$i]}" == *api* ]]; then
      printf '127.0.0.1:%s\n' "${HTTP_PORTS[$i]}"
    fi
  done
}

# nginx in front of the api nodes, as docker compose's lb: the same deploy/nginx.conf, upstreams on loopback.
start_lb() {
  local upstreams
  mapfile -t upstreams < <(api_upstreams)
  LB_DIR="$(mktemp -d /tmp/collab-lb.XXXXXX)"
  printf '%s\n' "$LB_DIR" >"$RUN_DIR/lb-dir"
  start_nginx "$LB_DIR" "$LB_PORT" "${upstreams[@]}"
  printf 'lb %s\n' "$NGINX_PID" >>"$PID_FILE"
  echo "lb: http://127.0.0.1:$LB_PORT (nginx over ${upstreams[*]})"
}

# REST, a workspace WebSocket and SockJS through nginx, and requests reaching both api nodes.
check_lb() {
  local upstreams
  mapfile -t upstreams < <(api_upstreams)
  python3 "$ROOT/scripts/lib/lb_check.py" "http://127.0.0.1:$LB_PORT" "$LB_DIR/access.log" "${upstreams[@]}"
}

cluster_size() {
  sed -n 's/.* cluster_size=\([0-9][0-9]*\).*/\1/p' <<<"$1"
}

ready_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true
}

check_cluster() {
  local ok=0 size i url code tries
  size="$(cluster_size "$LAST_READY")"
  if [[ "$size" == "$EXPECTED_SIZE" ]]; then
    echo "check: cluster_size=$size reported by $LAST_NODE: ok"
  else
    echo "check: cluster_size=${size:-?} reported by $LAST_NODE, expected $EXPECTED_SIZE: FAILED"
    ok=1
  fi
  for i in "${!NODES[@]}"; do
    url="http://127.0.0.1:${HTTP_PORTS[$i]}/health/ready"
    # A fresh member's event bus subscriptions take a moment to reach the others: allow a few seconds.
    tries=0
    code="$(ready_status "$url")"
    while [[ "$code" != 200 ]] && ((tries < 10)); do
      sleep 1
      tries=$((tries + 1))
      code="$(ready_status "$url")"
    done
    if [[ "$code" == 200 ]]; then
      echo "check: ${NODES[$i]} GET $url -> 200: ok"
    else
      echo "check: ${NODES[$i]} GET $url -> ${code:-no answer}: FAILED"
      ok=1
    fi
  done
  if ((WITH_LB)) && ! check_lb; then
    ok=1
  fi
  return "$ok"
}

LAST_READY=""

lb_note() {
  if ((WITH_LB)); then
    echo ", served through nginx"
  fi
}

main() {
  local mode="run" size arg
  for arg in "$@"; do
    case "$arg" in
      --no-lb) WITH_LB=0 ;;
      *) mode="$arg" ;;
    esac
  done
  case "$mode" in
    stop)
      stop_nodes
      ;;
    --check | check)
      preflight
      trap 'stop_nodes' EXIT
      trap 'exit 130' INT TERM HUP
      if ! start_cluster; then
        echo "check: the cluster did not start: FAILED"
        exit 1
      fi
      if check_cluster; then
        echo "check: passed: ${#NODES[@]} nodes form one cluster and are ready$(lb_note)"
        exit 0
      fi
      echo "check: FAILED (logs in $RUN_DIR)"
      exit 1
      ;;
    run | start)
      preflight
      trap 'stop_nodes' EXIT
      trap 'exit 130' INT TERM HUP
      start_cluster || exit 1
      size="$(cluster_size "$LAST_READY")"
      echo "cluster_size=$size (reported by $LAST_NODE)"
      if [[ "$size" != "$EXPECTED_SIZE" ]]; then
        log "expected cluster_size=$EXPECTED_SIZE: the nodes did not form one cluster; stopping (logs in $RUN_DIR)"
        exit 1
      fi
      echo "running; Ctrl-C or 'scripts/local-cluster.sh stop' stops all nodes"
      # Returns when every node has exited (for instance after 'stop' from another shell).
      wait || true
      ;;
    -h | --help | help)
      sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      ;;
    *)
      log "unknown argument '$mode' (expected --check, stop, --no-lb or nothing)"
      exit 2
      ;;
  esac
}

main "$@"

#!/usr/bin/env bash
# Background-jobs benchmark of collab: starts two collab processes on loopback against the local PostgreSQL and
# Redis, runs bench/jobs (JobsBench) against them, prints a summary from the jobs table, stops them.
#
#   node A  http://127.0.0.1:8001  roles api,realtime,persistence,worker   (submits and the WebSocket go here)
#   node B  http://127.0.0.1:8002  roles worker                            (reaches PostgreSQL through node A over
#                                                                           the clustered event bus)
# One JobWorkerVerticle per node with the worker role, so two workers in the consumer group, each running
# COLLAB_JOBS_CONCURRENCY (default 2) jobs at once in the bubblewrap sandbox.
#
# A warm-up submits --warmup-jobs jobs (default 2000) and cancels them, so the server's JIT has compiled the submit
# path; phase 1 then floods the queue with --jobs trivial jobs, sent by wrk (bench/jobs/submit.lua; Debian package
# wrk) because a JVM client costs the shared cores ten times more CPU per request. JobsBench then waits (bounded by
# --drain-timeout, default 900 s) until GET /api/jobs/health/ reports pending 0 and queued 0 before phase 2
# (end-to-end latency), on the same processes. Jobs still queued at the bound are cancelled, and the output says so.
#
# Usage:
#   bench/jobs/run.sh [JobsBench options]    e.g. --jobs 5000 --users 500 --concurrency 64 --latency-jobs 200
#                                            (passed on through -Dbench.args: values without spaces)
#   bench/jobs/run.sh --help                 this text and the JobsBench options
#
# Environment:
#   BENCH_PG_DB             database created afresh for the run (dropped at the end), default collab_jobs_bench
#   BENCH_PG_ADMIN_URL      where to create it, default postgresql://postgres@127.0.0.1:5432/postgres
#   BENCH_REDIS             private (default): a redis-server of its own for the run on 127.0.0.1:BENCH_REDIS_PORT
#                           (default 6391), no persistence, stopped at the end. shared: the machine's Redis at
#                           127.0.0.1:6379, database BENCH_REDIS_DB (default 11), flushed before and after the run.
#                           Private is the default because the test suite empties databases 1-15 of the shared
#                           server round-robin (TestServices.freshRedisDatabase) and database 0 holds other data:
#                           a test run at the same time would delete the job stream under the workers.
#   BENCH_PORTS             HTTP ports of node A and node B, default "8001 8002"
#   BENCH_ROLES             roles of node A and node B, space separated, default
#                           "api,realtime,persistence,worker worker"; one entry starts node A only (for profiling the
#                           submit path alone: BENCH_ROLES=api,realtime,persistence ... --phases baseline,enqueue)
#   BENCH_CLUSTER_PORT      first Hazelcast port tried, default 5951
#   BENCH_SERVER_JAVA_OPTS  default -Xms512m -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError
#   BENCH_CLIENT_JAVA_OPTS  default -Xms256m -Xmx1g -XX:+UseG1GC
#   BENCH_JFR=1             record a JFR profile (CPU samples, locks, exceptions) of the nodes and the client into
#                           the run directory
#   BENCH_KEEP_DB=1         keep the database (and, with BENCH_REDIS=shared, the Redis database) after the run
#   READY_TIMEOUT           seconds to wait for each ready line, default 120
#   COLLAB_JOBS_CONCURRENCY, COLLAB_HTTP_INSTANCES, ... are passed through to both nodes.
# Phase 1 also prints the CPU time per answered submit of each node, PostgreSQL (all its processes), the private
# Redis, wrk and the whole machine, read from /proc over the same window.
# Output: bench/jobs/target/run-<time>/ holds the nodes' logs and GC logs, the benchmark's output and the SQL summary.
# The database, Redis and node handling is scripts/lib/bench-servers.sh's, shared with bench/run-realtime.sh and
# bench/run-docs.sh.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/../.." && pwd)"
cd "$ROOT"

JAR="target/collab.jar"
RUN_DIR="$BENCH_DIR/target/run-$(date +%Y%m%d-%H%M%S)"
PG_DB="${BENCH_PG_DB:-collab_jobs_bench}"
PG_ADMIN_URL="${BENCH_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
PG_URL="postgresql://postgres@127.0.0.1:5432/$PG_DB"
REDIS_MODE="${BENCH_REDIS:-private}"
REDIS_HOST=127.0.0.1
if [[ "$REDIS_MODE" == private ]]; then
  REDIS_PORT="${BENCH_REDIS_PORT:-6391}"
  REDIS_DB=0
else
  REDIS_PORT=6379
  REDIS_DB="${BENCH_REDIS_DB:-11}"
fi
read -r -a PORTS <<<"${BENCH_PORTS:-8001 8002}"
read -r -a SERVER_OPTS <<<"${BENCH_SERVER_JAVA_OPTS:--Xms512m -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}"
CLIENT_OPTS="${BENCH_CLIENT_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseG1GC}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"
CLUSTER_NAME="collab-jobs-bench-$$"
CLUSTER_PORT="${BENCH_CLUSTER_PORT:-5951}"
BENCH_MAIN=io.collab.bench.JobsBench
BENCH_POM="$BENCH_DIR/pom.xml"
NAMES=(nodeA nodeB)
read -r -a ROLES <<<"${BENCH_ROLES:-api,realtime,persistence,worker worker}"

NODE_NAMES=()
NODE_PIDS=()
LAST_READY=""

log() { printf 'jobs-bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=../../scripts/lib/bench-servers.sh
source "$ROOT/scripts/lib/bench-servers.sh"

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$BENCH_DIR/run.sh"
  mvn_q "${BENCH_MVN[@]}" compile exec:exec@bench -Dbench.args=--help
  exit 0
fi

[[ "${#PORTS[@]}" == 2 ]] || die "BENCH_PORTS must name two ports"
[[ "${#ROLES[@]}" == 1 || "${#ROLES[@]}" == 2 ]] || die "BENCH_ROLES must name the roles of one or two nodes"
[[ "$REDIS_MODE" == private || "$REDIS_MODE" == shared ]] || die "BENCH_REDIS must be private or shared"

# bench-servers.sh's environment, and what this benchmark needs beyond it.
prepare_jobs() {
  if [[ " $* " != *" --client vertx "* ]]; then
    command -v wrk >/dev/null || die "wrk is required for phase 1 (apt-get install wrk), or pass --client vertx"
  fi
  prepare "${PORTS[@]:0:${#ROLES[@]}}"
  export COLLAB_JWT_ACCESS_TTL_SECONDS=7200  # phase 1 plus the drain can outlast the default 15 minutes
  # Phase 1 queues --jobs / --users jobs per user before the workers catch up (10 with the documented 5000 over
  # 500 users); the quota leaves room for that, and for a warm-up job still running. The quota check counts at most
  # this many rows.
  export COLLAB_JOBS_MAX_ACTIVE_PER_USER="${COLLAB_JOBS_MAX_ACTIVE_PER_USER:-20}"
}


# What the jobs table says about the run (server-side timestamps, microseconds).
summary() {
  psql "$PG_URL" -q -P pager=off <<'SQL'
\echo '--- jobs by phase and status (warm-up: code ends "# warm-up"; phase 1: no workspace; phase 2: with workspace)'
SELECT CASE WHEN code LIKE '%# warm-up' THEN 'warm-up' WHEN workspace_id IS NULL THEN 'phase 1' ELSE 'phase 2' END
         AS phase, status, count(*), max(attempts) AS max_attempts
  FROM jobs GROUP BY 1, 2 ORDER BY 1, 2;
\echo '--- phase 1: server-side enqueue window and worker throughput'
SELECT count(*) AS jobs,
       round(extract(epoch FROM max(created_at) - min(created_at))::numeric, 3) AS created_span_s,
       round((count(*) / nullif(extract(epoch FROM max(created_at) - min(created_at)), 0))::numeric, 0)
         AS created_per_s,
       round(extract(epoch FROM max(finished_at) - min(started_at))::numeric, 1) AS run_span_s,
       round((count(*) FILTER (WHERE finished_at IS NOT NULL)
              / nullif(extract(epoch FROM max(finished_at) - min(started_at)), 0))::numeric, 1) AS run_per_s
  FROM jobs WHERE workspace_id IS NULL AND code NOT LIKE '%# warm-up';
\echo '--- per-job server times in ms: pickup = started_at - created_at (queue wait + stream read + start transaction);'
\echo '    run = finished_at - started_at (sandbox start, program, finish transaction)'
SELECT CASE WHEN workspace_id IS NULL THEN 'phase 1' ELSE 'phase 2' END AS phase,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000)::numeric, 1) AS pickup_p50,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000)::numeric, 1) AS pickup_p99,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)::numeric, 1) AS run_p50,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)::numeric, 1) AS run_p95,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)::numeric, 1) AS run_p99
  FROM jobs WHERE status = 'succeeded' AND code NOT LIKE '%# warm-up' GROUP BY 1 ORDER BY 1;
SQL
}

main() {
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  prepare_jobs "$@"
  {
    echo "command: bench/jobs/run.sh $*"
    machine
    echo "bwrap: $(bwrap --version 2>&1 | head -1), python: $(/usr/bin/python3 --version 2>&1)"
    echo "server JVM: ${SERVER_OPTS[*]}; jobs.concurrency ${COLLAB_JOBS_CONCURRENCY:-2} per worker; http.instances ${COLLAB_HTTP_INSTANCES:-0 (one per core)}; jobs.maxActivePerUser $COLLAB_JOBS_MAX_ACTIVE_PER_USER"
    echo "wrk: $(wrk --version 2>&1 | head -1)"
  } | tee "$RUN_DIR/bench.txt"
  # not in a pipe: start_node keeps each pid in NODE_PIDS for cleanup
  start_node "${NAMES[0]}" "${PORTS[0]}" "${ROLES[0]}" >>"$RUN_DIR/ready.txt"
  if [[ "${#ROLES[@]}" == 2 ]]; then
    start_node "${NAMES[1]}" "${PORTS[1]}" "${ROLES[1]}" >>"$RUN_DIR/ready.txt"
    [[ "$LAST_READY" == *"cluster_size=2"* ]] || die "node B did not report cluster_size=2; see $RUN_DIR"
  fi
  tee -a "$RUN_DIR/bench.txt" <"$RUN_DIR/ready.txt"
  # A fresh member's event-bus registrations take a moment to reach the other node.
  for port in "${PORTS[@]:0:${#ROLES[@]}}"; do
    for _ in $(seq 1 20); do
      [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/health/ready")" == 200 ]] && break
      sleep 1
    done
  done
  echo "load before the bench: $(uptime)" | tee -a "$RUN_DIR/bench.txt"
  local args=(--host "127.0.0.1:${PORTS[0]}" --work-dir "$RUN_DIR" "$@")
  # what JobsBench reads CPU time of in /proc around phase 1 (PostgreSQL's processes it finds by name)
  local watched=() i
  for i in "${!NODE_PIDS[@]}"; do watched+=("${NODE_NAMES[$i]}=${NODE_PIDS[$i]}"); done
  [[ -n "$REDIS_PID" ]] && watched+=("redis=$REDIS_PID")
  export BENCH_WATCH="${watched[*]}"
  set +e
  bench "${args[*]}" 2>&1 | tee -a "$RUN_DIR/bench.txt"
  local status="${PIPESTATUS[0]}"
  set -e
  echo "load after the bench: $(uptime)" | tee -a "$RUN_DIR/bench.txt"
  summary 2>&1 | tee -a "$RUN_DIR/bench.txt"
  log "output in $RUN_DIR"
  return "$status"
}

main "$@"

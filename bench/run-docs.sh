#!/usr/bin/env bash
# Collaborative-editing benchmark of collab (issue 12): starts two collab instances in one cluster as plain processes
# on loopback against the local PostgreSQL and a private Redis, runs bench/ (io.collab.bench.docs.DocsBench: editors
# that behave like CodeMirror 6 with @codemirror/collab) against them, stops everything.
#
# Usage:
#   bench/run-docs.sh one-file [bench options]     50 editors on one file (25 per instance), 5 edits/s each
#                                                  (250 pushes/s on one document), 30 s warm-up, 60 s measured
#   bench/run-docs.sh many-files [bench options]   1000 editors on 100 files (10 per file, 5 per instance) in 10
#                                                  workspaces, 2 edits/s each
#   bench/run-docs.sh self-check [bench options]   no server: the editor model against the service's own
#                                                  io.collab.documents.Authority, 200 seeded runs
#   bench/run-docs.sh help                         this text and the bench options
# Options after the scenario go to DocsBench and override the scenario's defaults, e.g. --duration 30 --rate 3.
# The run ends with the convergence check: typing stops, every editor goes quiet, and each editor's text is compared
# with the file's content over REST (exit status 4 when any editor diverged).
#
# Environment:
#   BENCH_PG_DB              database created afresh for the run (dropped at the end), default collab_docs_bench
#   BENCH_PG_ADMIN_URL       where to create it, default postgresql://postgres@127.0.0.1:5432/postgres
#   BENCH_REDIS              private (default): a redis-server of the run's own on 127.0.0.1:BENCH_REDIS_PORT
#                            (default 6397), no persistence, stopped at the end; shared: 127.0.0.1:6379, database
#                            BENCH_REDIS_DB (default 10), flushed before and after (the test suite flushes databases
#                            of the shared server, so a test run at the same time would interfere)
#   BENCH_PORTS              HTTP ports of the two instances, default "8301 8302"
#   BENCH_CLUSTER_PORT       first Hazelcast port tried, default 5931
#   BENCH_SERVER_JAVA_OPTS   default -Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError
#   BENCH_CLIENT_JAVA_OPTS   default -Xms1g -Xmx2g -XX:+AlwaysPreTouch -XX:+UseG1GC
#   BENCH_KEEP_DB=1          keep the database after the run
#   BENCH_JFR=1              record a JFR profile of each instance and of the client (CPU samples, locks, GC,
#                            thrown exceptions) into the run directory
#   READY_TIMEOUT            seconds to wait for each ready line, default 120
#   BENCH_COLLAB_DIR         run the service built from another checkout (its target/), default this one
# target/collab.jar and the plain target/collab-0.1.0-SNAPSHOT.jar (DocsBench uses its io.collab.documents) are
# rebuilt when anything under src/main is newer. Output: bench/target/docs-<time>/ holds the instances' logs and
# GC logs, the benchmark's output (bench.out) and a summary.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

COLLAB_DIR="${BENCH_COLLAB_DIR:-$ROOT}"
JAR="$COLLAB_DIR/target/collab.jar"
RUN_DIR="$ROOT/bench/target/docs-$(date +%Y%m%d-%H%M%S)"
PG_DB="${BENCH_PG_DB:-collab_docs_bench}"
PG_ADMIN_URL="${BENCH_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
REDIS_MODE="${BENCH_REDIS:-private}"
REDIS_HOST=127.0.0.1
if [[ "$REDIS_MODE" == private ]]; then
  REDIS_PORT="${BENCH_REDIS_PORT:-6397}"
  REDIS_DB=0
else
  REDIS_PORT=6379
  REDIS_DB="${BENCH_REDIS_DB:-10}"
fi
read -r -a PORTS <<<"${BENCH_PORTS:-8301 8302}"
read -r -a SERVER_OPTS <<<"${BENCH_SERVER_JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}"
CLIENT_OPTS="${BENCH_CLIENT_JAVA_OPTS:--Xms1g -Xmx2g -XX:+AlwaysPreTouch -XX:+UseG1GC}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"
CLUSTER_NAME="collab-docs-bench-$$"
CLUSTER_PORT="${BENCH_CLUSTER_PORT:-5931}"
BENCH_MAIN=io.collab.bench.docs.DocsBench
# the load generator's CPU report also sums every postgres process (the server and its backends; other databases'
# sessions included)
WATCH_EXTRA=",postgres=0"

NODE_NAMES=()
NODE_PIDS=()
LAST_READY=""

log() { printf 'run-docs: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=../scripts/lib/bench-servers.sh
source "$ROOT/scripts/lib/bench-servers.sh"

[[ "$REDIS_MODE" == private || "$REDIS_MODE" == shared ]] || die "BENCH_REDIS must be private or shared"
[[ "${#PORTS[@]}" == 2 ]] || die "BENCH_PORTS must name two ports"

# What the server log says about the documents over the run: pushes refused or failed, by message.
server_notes() {
  local name
  for name in node1 node2; do
    printf '%-18s %s\n' "$name warnings" "$(grep -c '"level":"\(WARN\|ERROR\)"' "$RUN_DIR/$name.log" || true) WARN/ERROR lines in the log"
  done
}

scenario_run() {
  local scenario="$1" status
  shift
  prepare "${PORTS[0]}" "${PORTS[1]}"
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  {
    echo "command: bench/run-docs.sh $scenario $*"
    machine
  } | tee "$RUN_DIR/machine.txt"
  start_pair "${PORTS[0]}" "${PORTS[1]}"
  shift_workspace_ids
  log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  set +e
  bench --scenario "$scenario" --hosts "127.0.0.1:${PORTS[0]},127.0.0.1:${PORTS[1]}" --watch "$(watch_list)" "$@" \
    2>&1 | tee "$RUN_DIR/bench.out"
  status="${PIPESTATUS[0]}"
  set -e
  {
    window_summary "$RUN_DIR/bench.out"
    server_notes
  } | tee "$RUN_DIR/summary.txt"
  return "$status"
}

main() {
  local scenario="${1:-help}"
  [[ $# -gt 0 ]] && shift
  case "$scenario" in
    one-file | many-files) raise_file_limit; scenario_run "$scenario" "$@" ;;
    self-check)
      if jar_stale; then build_jar; fi
      mvn_q "${BENCH_MVN[@]}" compile exec:exec@bench -Dbench.main="$BENCH_MAIN" -Dbench.jvm="-Xmx1g" \
        -Dbench.args="--self-check $*" ;;
    help | -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
      mvn_q "${BENCH_MVN[@]}" compile exec:exec@bench -Dbench.main="$BENCH_MAIN" -Dbench.args=--help ;;
    *) die "unknown scenario '$scenario' (expected one-file, many-files, self-check or help)" ;;
  esac
}

main "$@"

# Shared by scripts/local-cluster.sh and the benchmark scripts under bench/: stopping the processes they started.
# Source it after defining log() (one line to stderr).

# stop_pids SECONDS NAME=PID...: SIGTERM to every process, a wait of up to SECONDS for each to exit (collab
# stops its verticles, sockets and cluster membership on SIGTERM), then SIGKILL for any still running.
stop_pids() {
  local grace="$1" entry name pid waited
  shift
  for entry in "$@"; do
    pid="${entry#*=}"
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping ${entry%%=*} (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for entry in "$@"; do
    name="${entry%%=*}" pid="${entry#*=}" waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < grace * 2)); do
      sleep 0.5
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) did not stop in $grace s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# stop_named NAMES PIDS: stop_pids 30 for two parallel arrays, passed by name (node names and their pids).
stop_named() {
  local -n stop_names="$1" stop_pids_of="$2"
  local i entries=()
  for i in "${!stop_pids_of[@]}"; do entries+=("${stop_names[$i]}=${stop_pids_of[$i]}"); done
  ((${#entries[@]} == 0)) || stop_pids 30 "${entries[@]}"
}

# Shared by scripts/local-cluster.sh and the benchmark scripts under bench/: the processes and stores they start and
# stop. Source it after defining log() (one line to stderr) and die().

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

# True when something listens on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# 32 random bytes in hex: a JWT secret for a run.
random_secret() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

# Starts a redis-server of the run's own on 127.0.0.1:$2, keeping nothing on disk (its log in $1), and sets
# REDIS_PID; dies unless it answers within 5 s. The caller stops it (stop_pids "$REDIS_PID").
start_private_redis() {
  local dir="$1" port="$2"
  command -v redis-server >/dev/null || die "redis-server is required for a private Redis"
  port_busy "$port" && die "port $port (private Redis) is already in use"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$port" ping >/dev/null 2>&1 || die "the private redis-server did not start; see $dir/redis.log"
  log "private redis-server on 127.0.0.1:$port (pid $REDIS_PID)"
}

# Drops and creates database $2 on the server $1 names, and sets DB_CREATED=1 for the caller's cleanup.
create_database() {
  log "creating database $2"
  psql "$1" -q -v ON_ERROR_STOP=1 -c "SET client_min_messages TO warning" \
    -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" -c "CREATE DATABASE $2" >&2
  DB_CREATED=1
}

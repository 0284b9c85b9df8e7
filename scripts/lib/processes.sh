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

# Starts a PostgreSQL cluster of the run's own in $1/pg (initdb as the postgres user, trust on loopback, port $2)
# and sets PG_DIR; dies unless it accepts connections within 30 s. The machine's own PostgreSQL is never touched.
# Stop it with stop_private_postgres; pg_ctl_private stop/start is what a fault scenario uses to take it away.
start_private_postgres() {
  local dir="$1" port="$2" bin
  bin="$(pg_bin)" || die "initdb and pg_ctl are required for a private PostgreSQL (apt-get install postgresql)"
  port_busy "$port" && die "port $port (private PostgreSQL) is already in use"
  PG_DIR="$dir/pg"
  PG_PORT="$port"
  mkdir -p "$PG_DIR"
  if [[ "$(id -u)" == 0 ]]; then
    chown postgres "$PG_DIR"
    chmod 755 "$dir"  # the postgres user must reach its data directory
  fi
  as_postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
    || die "initdb failed; see $dir/initdb.log"
  pg_ctl_private start
  log "private PostgreSQL on 127.0.0.1:$port (data in $PG_DIR/data)"
}

# pg_ctl_private start|stop|restart [MODE]: the private cluster only; stop waits (-m MODE, default fast).
pg_ctl_private() {
  local action="$1" mode="${2:-fast}" bin
  bin="$(pg_bin)"
  case "$action" in
    start | restart)
      as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 30 \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" "$action" >/dev/null \
        || die "the private PostgreSQL did not $action; see $PG_DIR/postgres.log"
      ;;
    stop)
      as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -m "$mode" -w -t 30 stop >/dev/null 2>&1 || true
      ;;
  esac
}

stop_private_postgres() {
  [[ -n "${PG_DIR:-}" && -f "$PG_DIR/data/postmaster.pid" ]] && pg_ctl_private stop immediate
  return 0
}

# The directory of initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<newest>/bin.
pg_bin() {
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" && -x "$dir/pg_ctl" ]] && printf '%s\n' "$dir"
}

# Runs a PostgreSQL tool as the postgres user when we are root (initdb refuses root), as ourselves otherwise.
as_postgres() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# start_nginx DIR PORT UPSTREAM...: Debian's nginx in the foreground (a child process, pid in NGINX_PID) with
# deploy/nginx.conf, the compose deployment's load balancer, listening on 127.0.0.1:PORT and balancing over the
# UPSTREAM host:port list instead of api1/api2. Its configuration, logs and temporary files live in DIR. Stop it
# with stop_pids (SIGTERM: nginx's fast shutdown, which does not wait for open sockets).
start_nginx() {
  local dir="$1" port="$2" upstream servers=""
  shift 2
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || die "nginx is required for the load balancer"
  port_busy "$port" && die "port $port (nginx) is already in use"
  for upstream in "$@"; do
    servers+="${servers:+\\n}    server $upstream max_fails=3 fail_timeout=10s;"
  done
  # the temporary files nginx would keep under /var/lib/nginx
  local t temps=""
  for t in client_body proxy fastcgi uwsgi scgi; do temps+="\\n  ${t}_temp_path $dir/$t;"; done
  mkdir -p "$dir"
  chmod 755 "$dir"  # nginx's workers run as an unprivileged user and keep request bodies under it
  # Same file as docker compose mounts; only what names the container's paths, ports and hosts is replaced.
  sed -e "s|^error_log .*|error_log $dir/error.log warn;|" \
    -e "s|^pid .*|pid $dir/nginx.pid;|" \
    -e "s|access_log /var/log/nginx/access.log|access_log $dir/access.log|" \
    -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$port;|" \
    -e "/^ *server api[0-9]*:8000 .*;/d" \
    -e "s|^\( *\)upstream collab_api {|\1upstream collab_api {\n$servers|" \
    -e "s|^http {|http {$temps|" \
    "$ROOT/deploy/nginx.conf" >"$dir/nginx.conf"
  "$(command -v nginx || echo /usr/sbin/nginx)" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' \
    </dev/null >>"$dir/error.log" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 1 50); do port_busy "$port" && break; sleep 0.1; done
  port_busy "$port" || die "nginx did not listen on $port; see $dir/error.log and $dir/nginx.conf"
  log "nginx load balancer on http://127.0.0.1:$port over $* (pid $NGINX_PID, config $dir/nginx.conf)"
}

"""The operator fault scenarios of scripts/faults.sh, against the cluster it started (described by FAULTS_* variables).

Each scenario prints one line, `PASS|FAIL <name>: <numbers>`, and the process exits 1 when any failed. What each
scenario expects, and why, is in docs/reliability.md.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collab_client import PASSWORD, Api, Closed, Refused, WebSocket  # noqa: E402

ENV = os.environ
LB = ENV["FAULTS_LB_URL"]                       # nginx in front of node1 and node2
NODE1, NODE2 = ENV["FAULTS_NODE1_URL"], ENV["FAULTS_NODE2_URL"]
COMMAND_TIMEOUT_MS = int(ENV.get("FAULTS_COMMAND_TIMEOUT_MS", "2000"))
PG_CONNECT_TIMEOUT_MS = int(ENV.get("FAULTS_PG_CONNECT_TIMEOUT_MS", "5000"))
LEASE_MS = int(ENV.get("FAULTS_LEASE_MS", "5000"))
MARGIN_MS = 1000                                # the bound: no request over commandTimeoutMs + 1 s
FREEZE_S = float(ENV.get("FAULTS_FREEZE_SECONDS", "10"))
CLIENT_TIMEOUT_S = 30                           # far above every bound: a hang shows as a number, not a stuck run
PYTHON_SLEEP = "import time\ntime.sleep({s})\nprint('done {tag}')"

api = Api(LB, timeout=CLIENT_TIMEOUT_S)
results = []


def report(name, ok, detail):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)


def pid_of(name):
    with open(ENV["FAULTS_PIDS"]) as f:
        for line in f:
            node, pid = line.split()
            if node == name:
                return int(pid)
    raise KeyError(name)


def shell(command):
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL, executable="/bin/bash")


def restart_redis_empty():
    """kill -9 the private Redis and start an empty one on its port, as a restart without persistence does."""
    os.kill(pid_of("redis"), signal.SIGKILL)
    time.sleep(0.2)
    run_dir = ENV["FAULTS_RUN_DIR"]
    with open(os.path.join(run_dir, "redis.log"), "ab") as log:
        redis = subprocess.Popen(["redis-server", "--port", ENV["FAULTS_REDIS_PORT"], "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no", "--dir", run_dir], stdout=log, stderr=log,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
    with open(ENV["FAULTS_PIDS"]) as f:
        lines = [line for line in f if line.split()[0] != "redis"]
    with open(ENV["FAULTS_PIDS"], "w") as f:
        f.writelines(lines + [f"redis {redis.pid}\n"])


def await_true(condition, timeout, step=0.2):
    """Seconds until condition() held, or None when it never did within timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(step)
    return None


def job_final(user, job_id):
    answer = api.job(user, job_id)
    return answer.body if answer.status == 200 and answer.body["status"] in ("succeeded", "failed",
                                                                             "cancelled") else None


def broadcast_acked(sock, marker, timeout):
    """Sends one event; 'ack', 'error:<code>' or 'timeout' for its answer, and how long it took in ms."""
    start = time.monotonic()
    sock.send("fault", {"marker": marker}, ref=marker)
    seen = sock.until(lambda m: m.get("ref") == marker, timeout)
    answer = seen[-1]
    ms = (time.monotonic() - start) * 1000
    if answer is None:
        return "timeout", ms
    return ("ack" if answer.get("type") == "ack" else "error:" + str(answer.get("error"))), ms


def is_marker(marker):
    return lambda m: m.get("type") == "broadcast" and m.get("event") == "fault" and \
        (m.get("payload") or {}).get("marker") == marker


class Timings:
    """The slowest answer of each kind of request during a fault, and the statuses seen."""

    def __init__(self):
        self.slowest, self.statuses = {}, {}

    def add(self, kind, ms, status):
        self.slowest[kind] = max(self.slowest.get(kind, 0), ms)
        self.statuses.setdefault(kind, set()).add(status)

    def worst(self):
        return max(self.slowest.values(), default=0)

    def __str__(self):
        return ", ".join(f"{k} max {v:.0f} ms {sorted(map(str, self.statuses[k]))}" for k, v in self.slowest.items())


def probe_all(user, workspace_id, sock, timings, tag):
    """One of each request that needs Redis or PostgreSQL, timed."""
    a = api.get("/api/projects/projects/", user["access"])
    timings.add("read", a.ms, a.status)
    a = api.post("/api/auth/login/", {"email": user["email"], "password": PASSWORD})
    timings.add("login", a.ms, a.status)
    a = api.submit(user, workspace_id, "print(1)")
    timings.add("submit", a.ms, a.status)
    start = time.monotonic()
    try:
        WebSocket(NODE1, workspace_id, user["access"], timeout=CLIENT_TIMEOUT_S).close()
        timings.add("handshake", (time.monotonic() - start) * 1000, 101)
    except Refused as r:
        timings.add("handshake", r.ms, r.status)
    except OSError:
        timings.add("handshake", (time.monotonic() - start) * 1000, "error")
    if sock is not None:
        answer, ms = broadcast_acked(sock, f"{tag}-{uuid.uuid4().hex[:6]}", CLIENT_TIMEOUT_S)
        timings.add("broadcast", ms, answer)


# ---- scenarios ------------------------------------------------------------------------------------------------------

def redis_frozen():
    """SIGSTOP Redis for FREEZE_S: every request answers within commandTimeoutMs + 1 s; all works after SIGCONT."""
    user = api.register("frozen")
    ws = api.workspace(user)
    sock = WebSocket(NODE1, ws, user["access"])
    sock.recv(5)  # presence_state
    redis = pid_of("redis")
    timings = Timings()
    os.kill(redis, signal.SIGSTOP)
    try:
        end = time.monotonic() + FREEZE_S
        while time.monotonic() < end:
            probe_all(user, ws, sock, timings, "frozen")
    finally:
        os.kill(redis, signal.SIGCONT)

    def works():
        return (api.submit(user, ws, "print(1)").status == 202
                and broadcast_acked(sock, uuid.uuid4().hex, 3)[0] == "ack")
    recovered = await_true(works, 15)
    sock.close()
    bound = COMMAND_TIMEOUT_MS + MARGIN_MS
    no_500 = all(500 not in s for s in timings.statuses.values())
    report("redis_frozen", timings.worst() < bound and no_500 and recovered is not None,
           f"{FREEZE_S:.0f} s SIGSTOP; slowest {timings.worst():.0f} ms (bound {bound} ms); {timings}; "
           f"working again {('%.1f s' % recovered) if recovered is not None else 'NEVER'} after SIGCONT")


def postgres_stopped():
    """pg_ctl stop -m fast: 503 (never 500) within pg.connectTimeoutMs + 1 s; all works after pg_ctl start."""
    user = api.register("pgstop")
    ws = api.workspace(user)
    timings = Timings()
    stopper = threading.Thread(target=lambda: shell(ENV["FAULTS_PG_CTL"] + " stop fast"))
    stopper.start()  # probe while it shuts down too: the 57P03 window is where 500s used to come from
    end = time.monotonic() + 5
    while time.monotonic() < end:
        probe_all(user, ws, None, timings, "pg")
    stopper.join()
    shell(ENV["FAULTS_PG_CTL"] + " start")
    recovered = await_true(lambda: api.get("/api/projects/projects/", user["access"]).status == 200
                           and api.submit(user, ws, "print(1)").status == 202, 30)
    bound = PG_CONNECT_TIMEOUT_MS + MARGIN_MS
    no_500 = all(500 not in s for s in timings.statuses.values())
    report("postgres_stopped", no_500 and timings.worst() < bound and recovered is not None,
           f"slowest {timings.worst():.0f} ms (bound {bound} ms); {timings}; 500s: {'none' if no_500 else 'YES'}; "
           f"working again {('%.1f s' % recovered) if recovered is not None else 'NEVER'} after pg_ctl start")


def redis_restarted_empty():
    """Redis killed and started empty: every accepted job finishes; open sockets keep receiving or are told."""
    user = api.register("reset")
    ws = api.workspace(user)
    sender = WebSocket(NODE1, ws, user["access"])
    listener = WebSocket(NODE2, ws, user["access"])
    sender.recv(5)
    listener.recv(5)
    # some history first, so the listener's last seq is well above where a reset sequence starts again
    for i in range(10):
        broadcast_acked(sender, f"before-{i}", 5)
    listener.until(is_marker("before-9"), 5)
    # more jobs than the two workers run at once (2 x jobs.concurrency): some are still queued at the restart
    jobs = []
    for i in range(8):
        a = api.submit(user, ws, PYTHON_SLEEP.format(s=2, tag=i))
        if a.status == 202:
            jobs.append(a.body["job_id"])
    restart_redis_empty()
    restarted = time.monotonic()

    # the socket: every broadcast acknowledged after the restart reaches the listener, unless it was told to resync
    acked, heard, told = [], [], None
    while len(acked) < 5 and time.monotonic() - restarted < 20:
        marker = f"after-{len(acked)}-{uuid.uuid4().hex[:4]}"
        if broadcast_acked(sender, marker, 3)[0] == "ack":
            acked.append(marker)
        else:
            time.sleep(0.5)
    for m in listener.until(lambda m: False, 3)[:-1]:
        if m.get("type") == "recovery_failed" and told is None:
            told = "recovery_failed"
        elif m.get("type") == "broadcast" and m.get("event") == "fault" and told is None:
            heard.append(m["payload"]["marker"])
    silent = [a for a in acked if a not in heard]
    socket_ok = acked and (told is not None or not silent)
    socket_detail = (f"told {told}" if told else f"received {len(acked) - len(silent)} of {len(acked)} "
                     f"broadcasts acknowledged after the restart" + (" (a SILENT gap)" if silent else ""))
    sender.close()
    listener.close()

    finished = {}

    def all_final():
        for j in jobs:
            if j not in finished and job_final(user, j):
                finished[j] = True
        return len(finished) == len(jobs)
    await_true(all_final, 60, step=1)
    done = [j for j in jobs if finished.get(j)]
    jobs_s = time.monotonic() - restarted
    report("redis_restarted_empty", len(done) == len(jobs) and bool(socket_ok),
           f"jobs accepted {len(jobs)}, finished {len(done)} ({jobs_s:.0f} s after the restart); open socket "
           f"{socket_detail}")


def worker_killed():
    """kill -9 the worker running a job: the job finishes on the other worker, recorded once."""
    user = api.register("workerkill")
    ws = api.workspace(user)
    job = api.expect(api.submit(user, ws, PYTHON_SLEEP.format(s=4, tag="once")), 202)["job_id"]
    running = await_true(lambda: api.job(user, job).body["status"] == "running", 30)
    victim = None
    deadline = time.monotonic() + 10
    while running is not None and victim is None and time.monotonic() < deadline:
        # "running" is recorded before the sandbox process starts: the worker with a child process runs it
        victim = next((name for name in ("worker1", "worker2") if children(pid_of(name))), None)
        time.sleep(0.1)
    if victim is None:
        report("worker_killed", False, "could not tell which worker runs the job")
        return
    os.kill(pid_of(victim), signal.SIGKILL)
    killed = time.monotonic()
    await_true(lambda: job_final(user, job) is not None, LEASE_MS / 1000 + 60, step=0.5)
    final = job_final(user, job) or {}
    stdout = final.get("stdout") or ""
    ok = final.get("status") == "succeeded" and stdout.count("done once") == 1
    report("worker_killed", ok,
           f"killed {victim} mid-job; job {final.get('status', 'NOT FINISHED')} after "
           f"{(time.monotonic() - killed):.1f} s (lease {LEASE_MS} ms), attempts {final.get('attempts')}, "
           f"output recorded {stdout.count('done once')} time(s)")


def children(pid):
    try:
        out = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += f.read().split()
        return out
    except OSError:
        return []


def instance_killed():
    """kill -9 node2 with sockets on it: they reconnect through nginx with since and miss nothing, twice nothing."""
    user = api.register("nodekill")
    ws = api.workspace(user)
    sender = WebSocket(NODE1, ws, user["access"])
    sender.recv(5)
    # through the load balancer: round robin spreads them over both nodes
    sockets = [WebSocket(LB, ws, user["access"]) for _ in range(6)]
    for s in sockets:
        s.recv(5)
    broadcast_acked(sender, "start", 5)
    for s in sockets:
        s.until(is_marker("start"), 5)

    done = threading.Event()
    received = [[] for _ in sockets]
    reconnects = []

    def follow(i):
        """Reads socket i until done; on a close, reconnects through nginx with since, as a client does."""
        s = sockets[i]
        while not done.is_set():
            try:
                m = s.recv(0.2)
                if m is not None and m.get("type") == "broadcast" and m.get("event") == "fault":
                    received[i].append(m["payload"]["marker"])
            except Closed:
                since, epoch, s = s.last_seq, s.last_epoch, None
                while s is None and time.monotonic() - killed < 30:
                    try:
                        s = WebSocket(LB, ws, user["access"], since=since, epoch=epoch)
                    except (Refused, OSError):
                        time.sleep(0.2)
                if s is None:
                    return
                reconnects.append(time.monotonic() - killed)
        s.close()

    os.kill(pid_of("node2"), signal.SIGKILL)
    killed = time.monotonic()
    readers = [threading.Thread(target=follow, args=(i,)) for i in range(len(sockets))]
    for r in readers:
        r.start()
    acked = []
    i = 0
    while time.monotonic() - killed < 4:  # broadcasts while node2's sockets are gone and reconnecting
        i += 1
        if broadcast_acked(sender, f"gap-{i}", 5)[0] == "ack":
            acked.append(f"gap-{i}")
        time.sleep(0.05)
    time.sleep(3)  # the last ones arrive
    done.set()
    for r in readers:
        r.join()
    sender.close()
    complete = [r for r in received if [x for x in r if x.startswith("gap-")] == acked]
    report("instance_killed", len(reconnects) > 0 and len(complete) == len(sockets),
           f"{len(reconnects)} of {len(sockets)} sockets were on node2 and reconnected through nginx with since "
           f"(slowest {max(reconnects, default=0):.1f} s after the kill); broadcasts acknowledged {len(acked)}, "
           f"delivered exactly once in order to {len(complete)} of {len(sockets)} sockets")


SCENARIOS = {
    "redis_frozen": redis_frozen,
    "postgres_stopped": postgres_stopped,
    "redis_restarted_empty": redis_restarted_empty,
    "worker_killed": worker_killed,
    "instance_killed": instance_killed,
}


def main(names):
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    # always in the suite's order: the kills come last, since they take a worker and node2 away for good
    for name in [n for n in SCENARIOS if not names or n in names]:
        try:
            SCENARIOS[name]()
        except Exception as e:  # a scenario that cannot even run is a failure, and the next one still runs
            report(name, False, f"could not run: {type(e).__name__}: {e}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

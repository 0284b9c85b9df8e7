package io.collab.bench;

import io.collab.bench.common.BenchRuns;
import io.collab.bench.common.Percentiles;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.collab.bench.JobsBench.dist;
import static io.collab.bench.JobsBench.say;

/**
 * Phase 2, end-to-end latency: one user with a workspace and one WebSocket on it submits jobs with
 * {@code workspace_id} and times each from the submit to its {@code succeeded} event on the socket.
 */
final class LatencyPhase {

  private final JobsOptions o;
  private final JobsApi api;
  private final String runId;

  LatencyPhase(JobsOptions o, JobsApi api, String runId) {
    this.o = o;
    this.api = api;
    this.runId = runId;
  }

  /** One measured job: nanoTime stamps of its submit, 202, running event and final event. */
  private static final class Probe {
    final int index;
    final long sent;
    long accepted;
    long running;
    long finished;
    String jobId;
    String status;
    int outputEvents;
    final Promise<Void> done = Promise.promise();

    Probe(int index, long sent) {
      this.index = index;
      this.sent = sent;
    }

    void event(String status, long at) {
      if (status == null) {
        outputEvents++;
        return;
      }
      switch (status) {
        case "running" -> {
          if (running == 0) {
            running = at;
          }
        }
        case "succeeded", "failed", "cancelled" -> {
          if (finished == 0) {
            finished = at;
            this.status = status;
            done.tryComplete();
          }
        }
        default -> { }
      }
    }
  }

  /** A job event that came before the job's 202 (the socket can beat the HTTP answer). */
  private record Early(String status, long at) {}

  void run() throws Exception {
    int total = o.latencyWarmup + o.latencyJobs;
    say("phase 2 (end-to-end latency): %d measured jobs (+%d warm-up), %d in flight, one WebSocket", o.latencyJobs,
        o.latencyWarmup, o.latencyInflight);
    String name = "jb" + runId + "lat";
    String token = api.onLoop(() -> api.account(name), 120, "latency user setup");
    long projectId = api.rest().project(api.host(), token, "jobs bench " + runId);
    long workspaceId = api.rest().workspaces(api.host(), token, projectId, 1, "jobs bench ")[0];

    Map<String, Probe> byJob = new HashMap<>();
    Map<String, List<Early>> early = new HashMap<>();
    int[] otherMessages = {0};
    WebSocketClient wsClient = api.vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 22));
    WebSocket socket = api.onLoop(() -> {
      Promise<Void> live = Promise.promise();
      return wsClient.connect(new WebSocketConnectOptions().setHost(o.host).setPort(o.port)
              .setURI("/ws/workspaces/" + workspaceId + "/?token=" + token))
          .compose(ws -> {
            ws.textMessageHandler(text -> {
              long at = System.nanoTime();
              JsonObject m;
              try {
                m = new JsonObject(text);
              } catch (RuntimeException e) {
                return;
              }
              if ("presence_state".equals(m.getString("type"))) {
                live.tryComplete();
                return;
              }
              if (!"job".equals(m.getString("type"))) {
                otherMessages[0]++;
                return;
              }
              String jobId = m.getString("job_id");
              Probe p = byJob.get(jobId);
              if (p == null) {
                early.computeIfAbsent(jobId, k -> new ArrayList<>()).add(new Early(m.getString("status"), at));
              } else {
                p.event(m.getString("status"), at);
              }
            });
            ws.closeHandler(v -> {
              live.tryFail("socket closed " + ws.closeStatusCode() + " " + ws.closeReason());
              byJob.values().forEach(p -> p.done.tryComplete());
            });
            return live.future().map(ws);
          });
    }, 30, "WebSocket connect");
    say("phase 2: user %s, workspace %d, socket open", name, workspaceId);

    Buffer body = new JsonObject().put("code", o.code).put("language", o.language).put("workspace_id", workspaceId)
        .toBuffer();
    List<Probe> probes = new ArrayList<>();
    Map<String, Integer> errors = new TreeMap<>();
    long phaseTimeout = Math.max(120, (long) total * o.probeTimeoutS / o.latencyInflight + 60);
    long started = System.nanoTime();
    api.onLoop(() -> BenchRuns.inLanes(total, o.latencyInflight, i -> {
      Probe p = new Probe(i, System.nanoTime());
      probes.add(p);
      long timer = api.vertx.setTimer(TimeUnit.SECONDS.toMillis(o.probeTimeoutS), t -> {
        if (p.done.tryComplete()) {
          p.status = "timeout";
        }
      });
      api.submit(token, body)
          .onComplete(ar -> {
            p.accepted = System.nanoTime();
            if (ar.failed() || ar.result().statusCode() != 202) {
              String key = ar.succeeded() ? JobsApi.errorKey(ar.result()) : "exception " + ar.cause().getMessage();
              errors.merge(key, 1, Integer::sum);
              p.status = "submit " + key;
              p.done.tryComplete();
              return;
            }
            p.jobId = ar.result().bodyAsJsonObject().getString("job_id");
            byJob.put(p.jobId, p);
            List<Early> before = early.remove(p.jobId);
            if (before != null) {
              before.forEach(e -> p.event(e.status(), e.at()));
            }
          });
      return p.done.future().onComplete(v -> api.vertx.cancelTimer(timer));
    }), phaseTimeout, "phase 2");
    double wallS = (System.nanoTime() - started) / 1e9;
    api.onLoop(() -> socket.close().recover(e -> Future.succeededFuture()), 10, "socket close");

    List<Probe> measured = probes.stream().filter(p -> p.index >= o.latencyWarmup).toList();
    Map<String, Integer> outcomes = new TreeMap<>();
    measured.forEach(p -> outcomes.merge(String.valueOf(p.status), 1, Integer::sum));
    List<Probe> good = measured.stream().filter(p -> "succeeded".equals(p.status)).toList();
    long[] e2e = good.stream().mapToLong(p -> p.finished - p.sent).toArray();
    long[] submit = good.stream().mapToLong(p -> p.accepted - p.sent).toArray();
    long[] toRunning = good.stream().filter(p -> p.running > 0).mapToLong(p -> p.running - p.sent).toArray();
    long[] runToDone = good.stream().filter(p -> p.running > 0).mapToLong(p -> p.finished - p.running).toArray();
    long withOutput = good.stream().filter(p -> p.outputEvents > 0).count();
    long[] sorted = e2e.clone();
    Arrays.sort(sorted);
    double p50 = Percentiles.millis(sorted, 50);
    say("phase 2 result: %d measured jobs in %.1f s; outcomes %s; submit errors %s", measured.size(), wallS, outcomes,
        errors.isEmpty() ? "none" : errors);
    say("  end-to-end submit -> succeeded event: %s", dist(e2e));
    say("  p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  target p50 < %.0f ms: %s", p50,
        Percentiles.millis(sorted, 95), Percentiles.millis(sorted, 99), Percentiles.millis(sorted, 100), o.targetP50Ms,
        sorted.length > 0 && p50 < o.targetP50Ms ? "MET" : "MISSED");
    say("  breakdown, submit -> 202:                 %s", dist(submit));
    say("  breakdown, submit -> running event:       %s", dist(toRunning));
    say("  breakdown, running -> succeeded event:    %s", dist(runToDone));
    say("  output events seen for %d of %d succeeded jobs; other socket messages: %d", withOutput, good.size(),
        otherMessages[0]);
  }
}

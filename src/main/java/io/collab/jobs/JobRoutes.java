package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.collab.auth.Principal;
import io.collab.auth.RateLimiter;
import io.collab.common.ApiError;
import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.collab.common.BusFailure;
import io.collab.common.ClusterEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.ValidatedRequest;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The {@code /api/jobs/*} operations of the contract, the former service's two URLs included. */
public final class JobRoutes {

  private final Vertx vertx;
  private final CollabConfig.Jobs settings;
  private final BusClient bus;
  private final JobQueue queue;
  private final ClusterEvents events;

  public JobRoutes(Vertx vertx, CollabConfig.Jobs settings, BusClient bus, JobQueue queue, ClusterEvents events) {
    this.vertx = vertx;
    this.settings = settings;
    this.bus = bus;
    this.queue = queue;
    this.events = events;
  }

  public void install(RouterBuilder routes) {
    routes.getRoute("submitJob").addHandler(this::submit);
    routes.getRoute("testQueue").addHandler(this::diagnostic);
    routes.getRoute("listJobs").addHandler(this::list);
    routes.getRoute("jobsHealth").addHandler(this::health);
    routes.getRoute("getJob").addHandler(this::get);
    routes.getRoute("cancelJob").addHandler(this::cancel);
  }

  /**
   * Queues the body's code, or (with {@code file_id}) that workspace file amid a snapshot of the workspace's files
   * taken now and stored with the job: one bus request creates the job (checking the caller may run jobs in the
   * workspace, and copying the files for a file job), then the queue.
   */
  private void submit(RoutingContext ctx) {
    JsonObject body = validated(ctx).getBody().getJsonObject();
    Map<String, String> problems = problems(body);
    if (!problems.isEmpty()) {
      invalid(ctx, problems);
      return;
    }
    if (RateLimiter.redisSilent(ctx)) {  // the queue is on the Redis that just timed out: nothing to create
      ApiError.send(ctx, new BusFailure(503, "service_unavailable", "the job queue did not answer; retry"));
      return;
    }
    Principal user = Principal.of(ctx);
    JsonObject request = new JsonObject()
        .put("user_id", user.id())
        .put("workspace_id", body.getLong("workspace_id"))
        .put("kind", "run")
        .put("language", body.getString("language"))
        .put("stdin", body.getString("stdin"))
        .put("timeout_ms", body.getInteger("timeout_ms", settings.defaultTimeoutMs()))
        .put("max_attempts", settings.maxAttempts())
        .put("idempotency_key", ctx.request().getHeader("Idempotency-Key"))
        .put("max_active", settings.maxActivePerUser());
    if (body.getLong("file_id") == null) {
      request.put("code", body.getString("code"));
    } else {
      // the store copies the workspace's files into the job row itself: the snapshot never crosses the bus
      request.put("file_id", body.getLong("file_id"))
          .put("max_bytes", settings.workspaceBytes())
          .put("languages", new JsonArray(List.copyOf(new TreeSet<>(settings.languages()))));
    }
    createAndEnqueue(request)
        .onSuccess(id -> ctx.response().setStatusCode(202).putHeader("content-type", "application/json")
            .end(new JsonObject().put("message", "Job queued").put("job_id", id)
                .put("status_url", "/api/jobs/" + id + "/").encode()))
        .onFailure(err -> {
          BusFailure failure = BusFailure.from(err);
          if (failure.code().equals(Bus.NO_LANGUAGE)) {
            invalid(ctx, Map.of("language", failure.getMessage()));
          } else {
            ApiError.fail(ctx, err);
          }
        });
  }

  /** The former service's health probe: a job that only a live worker can finish. */
  private void diagnostic(RoutingContext ctx) {
    JsonObject request = new JsonObject()
        .put("user_id", Principal.of(ctx).id())
        .put("kind", "diagnostic")
        .put("language", "diagnostic")
        .put("code", "")
        .put("timeout_ms", settings.defaultTimeoutMs())
        .put("max_attempts", settings.maxAttempts())
        .put("max_active", settings.maxActivePerUser());
    createAndEnqueue(request)
        .onSuccess(id -> ctx.json(new JsonObject().put("status", "task queued").put("job_id", id)))
        .onFailure(err -> ApiError.fail(ctx, err));
  }

  private void list(RoutingContext ctx) {
    ValidatedRequest request = validated(ctx);
    var status = request.getQuery().get("status");
    var workspace = request.getQuery().get("workspace_id");
    var limit = request.getQuery().get("limit");
    bus.request(Bus.JOBS_LIST, new JsonObject()
            .put("actor", Principal.of(ctx).id())
            .put("status", status == null || status.isNull() ? null : status.getString())
            .put("workspace_id", workspace == null || workspace.isNull() ? null : workspace.getLong())
            .put("limit", limit == null || limit.isNull() ? 100 : limit.getInteger()))
        .onSuccess(result -> send(ctx, 200, result.getJsonArray("items")))
        .onFailure(err -> ApiError.fail(ctx, err));
  }

  private void get(RoutingContext ctx) {
    bus.request(Bus.JOBS_GET, new JsonObject().put("actor", Principal.of(ctx).id()).put("id", jobId(ctx)))
        .onSuccess(job -> send(ctx, 200, job))
        .onFailure(err -> ApiError.fail(ctx, err));
  }

  private void cancel(RoutingContext ctx) {
    bus.request(Bus.JOBS_CANCEL, new JsonObject().put("actor", Principal.of(ctx).id()).put("id", jobId(ctx)))
        .onSuccess(result -> {
          if (result.getBoolean("was_running", false)) {
            events.publish(Bus.JOBS_KILL, new JsonObject().put("job_id", jobId(ctx)));
          }
          send(ctx, 202, result.getJsonObject("job"));
        })
        .onFailure(err -> ApiError.fail(ctx, err));
  }

  private void health(RoutingContext ctx) {
    Object breaker = vertx.sharedData().getLocalMap(Bus.JOBS_STATE_MAP).get("breaker");
    queue.health()
        .map(health -> breaker == null ? health : health.put("breaker", breaker))
        .onSuccess(ctx::json)
        .onFailure(err -> ApiError.send(ctx, 503, "service_unavailable", "Redis did not answer: " + err.getMessage()));
  }

  /**
   * Stores the job, then queues it, and answers its id; a job that could not be queued is forgotten and the caller
   * told to retry. Storing it checks the caller's role in its workspace.
   */
  private Future<String> createAndEnqueue(JsonObject request) {
    return bus.request(Bus.JOBS_CREATE, request).compose(created -> {
      String id = created.getString("id");
      if (!created.getBoolean("created")) {
        return Future.succeededFuture(id);
      }
      return queue.enqueue(id).map(entry -> id).recover(err ->
          bus.request(Bus.JOBS_DISCARD, new JsonObject().put("id", id))
              .transform(ignored -> Future.failedFuture(
                  new BusFailure(503, "service_unavailable", "the job queue did not answer; nothing was queued"))));
    });
  }

  private Map<String, String> problems(JsonObject body) {
    Map<String, String> problems = new LinkedHashMap<>();
    String language = body.getString("language");
    boolean file = body.getLong("file_id") != null;
    if (file ? language != null && !settings.languages().contains(language)
        : !settings.languages().contains(language)) {
      problems.put("language", "one of " + String.join(", ", new TreeSet<>(settings.languages())));
    }
    String code = body.getString("code");
    if (file && code != null) {
      problems.put("code", "give code or file_id, not both");
    } else if (file && body.getLong("workspace_id") == null) {
      problems.put("workspace_id", "required with file_id");
    } else if (code == null && !file) {
      problems.put("code", "give code or file_id");
    } else if (code != null && code.getBytes(StandardCharsets.UTF_8).length > settings.maxCodeBytes()) {
      problems.put("code", "at most " + settings.maxCodeBytes() + " bytes");
    } else if (code != null && code.isBlank()) {
      problems.put("code", "nothing to run");
    }
    Integer timeout = body.getInteger("timeout_ms");
    if (timeout != null && timeout > settings.maxTimeoutMs()) {
      problems.put("timeout_ms", "at most " + settings.maxTimeoutMs());
    }
    for (String field : new String[] {"code", "stdin"}) {
      String text = body.getString(field);
      if (text != null && text.indexOf('\0') >= 0) {
        problems.put(field, "must not contain the NUL character");
      }
    }
    return problems;
  }

  private static void invalid(RoutingContext ctx, Map<String, String> problems) {
    JsonObject fields = new JsonObject();
    problems.forEach(fields::put);
    ApiError.send(ctx, 400, ApiError.body("validation_failed", "the job cannot run as given").put("fields", fields));
  }

  private static String jobId(RoutingContext ctx) {
    return validated(ctx).getPathParameters().get("job_id").getString();
  }

  private static ValidatedRequest validated(RoutingContext ctx) {
    return ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  private static void send(RoutingContext ctx, int status, Object body) {
    String encoded = body instanceof JsonArray array ? strip(array).encode() : strip((JsonObject) body).encode();
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(encoded);
  }

  private static JsonArray strip(JsonArray jobs) {
    jobs.forEach(job -> strip((JsonObject) job));
    return jobs;
  }

  /** The submitter's id is for access checks, not for other members' eyes. */
  private static JsonObject strip(JsonObject job) {
    job.remove("user_id");
    return job;
  }
}

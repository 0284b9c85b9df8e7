package io.collab.bench.common;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The REST calls of a run's setup: users registered and logged in, a project, workspaces, members. Each call fails
 * on any answer but 2xx; bulk setup runs a bounded number at once ({@link BenchRuns#bounded}).
 */
public final class RestClient {

  /** Users of one run: {@code emails[i]} has the access token {@code tokens[i]}. */
  public record Users(String[] emails, String[] tokens) {}

  private final WebClient web;
  private final String password = "Bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-pw";

  public RestClient(Vertx vertx) {
    this.web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(10_000),
        new PoolOptions().setHttp1MaxSize(16));
  }

  /** The JSON answer of {@code method path} (an empty object for an empty body); body null: none. */
  public Future<JsonObject> request(HttpMethod method, Host host, String path, String token, JsonObject body) {
    // idleTimeout, not timeout: in Vert.x 5.0.7 a request timeout leaves a timer behind that logs
    // "IllegalStateException: Promise already completed" when it fires after the request got its connection
    HttpRequest<Buffer> request = web.request(method, host.port(), host.host(), path).idleTimeout(60_000);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
    return sent.compose(response -> {
      if (response.statusCode() / 100 != 2) {
        return Future.failedFuture(new IllegalStateException(method + " " + path + " -> " + response.statusCode()
            + " " + response.bodyAsString()));
      }
      Buffer raw = response.body();
      return Future.succeededFuture(raw == null || raw.length() == 0 ? new JsonObject() : raw.toJsonObject());
    });
  }

  public Future<JsonObject> post(Host host, String path, String token, JsonObject body) {
    return request(HttpMethod.POST, host, path, token, body);
  }

  /** Registers a user and logs in; completes with the access token. */
  public Future<String> account(Host api, String email, String username) {
    return post(api, "/api/auth/register/", null,
        new JsonObject().put("email", email).put("username", username).put("password", password))
        .compose(v -> post(api, "/api/auth/login/", null,
            new JsonObject().put("email", email).put("password", password)))
        .map(body -> body.getString("access"));
  }

  /** The owner of a run, {@code <prefix>-<runId>-owner@example.com}; returns its token. */
  public String owner(Host api, String prefix, String runId) throws Exception {
    return account(api, prefix + "-" + runId + "-owner@example.com", prefix + "_" + runId + "_owner")
        .await(120, TimeUnit.SECONDS);
  }

  /** {@code count} users {@code <prefix>-<runId>-u<i>@example.com}, four registrations at once (Argon2 is slow). */
  public Users users(Host api, String prefix, String runId, int count) throws Exception {
    String[] emails = new String[count];
    String[] tokens = new String[count];
    List<Supplier<Future<?>>> tasks = new ArrayList<>();
    for (int u = 0; u < count; u++) {
      int user = u;
      emails[u] = prefix + "-" + runId + "-u" + u + "@example.com";
      tasks.add(() -> account(api, emails[user], prefix + "_" + runId + "_u" + user)
          .onSuccess(token -> tokens[user] = token));
    }
    BenchRuns.bounded(tasks, 4, 300);
    return new Users(emails, tokens);
  }

  /** A project of {@code owner}'s; returns its id. */
  public long project(Host api, String owner, String name) throws Exception {
    return post(api, "/api/projects/projects/", owner, new JsonObject().put("name", name))
        .await(60, TimeUnit.SECONDS).getLong("id");
  }

  /** {@code count} workspaces named {@code <namePrefix><i>} in the project; returns their ids. */
  public long[] workspaces(Host api, String owner, long projectId, int count, String namePrefix) throws Exception {
    long[] ids = new long[count];
    List<Supplier<Future<?>>> tasks = new ArrayList<>();
    for (int w = 0; w < count; w++) {
      int ws = w;
      tasks.add(() -> post(api, "/api/projects/workspaces/", owner,
          new JsonObject().put("project", projectId).put("name", namePrefix + ws))
          .onSuccess(body -> ids[ws] = body.getLong("id")));
    }
    BenchRuns.bounded(tasks, 16, 300);
    return ids;
  }

  /** Adds every one of {@code emails} to every workspace as a collaborator. */
  public void collaborators(Host api, String owner, long[] workspaceIds, List<String> emails) throws Exception {
    List<Supplier<Future<?>>> tasks = new ArrayList<>();
    for (long workspaceId : workspaceIds) {
      for (String email : emails) {
        tasks.add(() -> post(api, "/api/projects/workspaces/" + workspaceId + "/members/", owner,
            new JsonObject().put("email", email).put("role", "collaborator")));
      }
    }
    BenchRuns.bounded(tasks, 16, 600);
  }
}

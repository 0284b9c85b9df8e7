package io.collab.bench.docs;

import io.collab.bench.BenchRuns;
import io.collab.bench.docs.DocsOptions.Host;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The REST side of a run: users, a project, workspaces with the users as collaborators, the files (setup), and each
 * file's stored content and version (the convergence check).
 */
final class Rest {

  /** What setup made: tokens by user, workspace ids, file ids and the workspace of each file. */
  record Fixture(String[] tokens, long[] workspaceIds, long[] fileIds, long[] fileWorkspaces, String ownerToken) {}

  /** A file as {@code GET files/{id}/} answers it. */
  record StoredFile(long version, String content) {}

  private final WebClient web;
  private final DocsOptions o;
  private final String password;

  Rest(Vertx vertx, DocsOptions o) {
    this.o = o;
    this.web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(10_000),
        new PoolOptions().setHttp1MaxSize(16));
    this.password = "Bench-" + Long.toHexString(o.seed ^ System.nanoTime()) + "-pw";
  }

  Fixture setup(String initialText) throws Exception {
    Host api = o.hosts.get(0);
    String ownerEmail = "docs-" + o.runId + "-owner@example.com";
    register(api, ownerEmail, "docs_" + o.runId + "_owner").await(120, TimeUnit.SECONDS);
    String owner = login(api, ownerEmail).await(120, TimeUnit.SECONDS);

    String[] emails = new String[o.users];
    String[] tokens = new String[o.users];
    List<Supplier<Future<?>>> tasks = new ArrayList<>();
    for (int u = 0; u < o.users; u++) {
      int user = u;
      emails[u] = "docs-" + o.runId + "-u" + u + "@example.com";
      tasks.add(() -> register(api, emails[user], "docs_" + o.runId + "_u" + user)
          .compose(v -> login(api, emails[user]))
          .onSuccess(token -> tokens[user] = token));
    }
    BenchRuns.bounded(tasks, 4, 300);

    long projectId = request(HttpMethod.POST, api, "/api/projects/projects/", owner,
        new JsonObject().put("name", "docs bench " + o.runId)).await(60, TimeUnit.SECONDS).getLong("id");
    long[] workspaceIds = new long[o.workspaces];
    tasks.clear();
    for (int w = 0; w < o.workspaces; w++) {
      int ws = w;
      tasks.add(() -> request(HttpMethod.POST, api, "/api/projects/workspaces/", owner,
          new JsonObject().put("project", projectId).put("name", "docs ws " + ws))
          .onSuccess(body -> workspaceIds[ws] = body.getLong("id")));
    }
    BenchRuns.bounded(tasks, 16, 300);

    tasks.clear();
    for (int w = 0; w < o.workspaces; w++) {
      for (int u = 0; u < o.users; u++) {
        String path = "/api/projects/workspaces/" + workspaceIds[w] + "/members/";
        String email = emails[u];
        tasks.add(() -> request(HttpMethod.POST, api, path, owner,
            new JsonObject().put("email", email).put("role", "collaborator")));
      }
    }
    BenchRuns.bounded(tasks, 16, 600);

    long[] fileIds = new long[o.files];
    long[] fileWorkspaces = new long[o.files];
    tasks.clear();
    for (int f = 0; f < o.files; f++) {
      int file = f;
      fileWorkspaces[f] = workspaceIds[f % o.workspaces];
      tasks.add(() -> request(HttpMethod.POST, api, "/api/projects/workspaces/" + fileWorkspaces[file] + "/files/",
          owner, new JsonObject().put("path", "src/module_" + file + ".py").put("content", initialText))
          .onSuccess(body -> fileIds[file] = body.getLong("id")));
    }
    BenchRuns.bounded(tasks, 16, 300);
    return new Fixture(tokens, workspaceIds, fileIds, fileWorkspaces, owner);
  }

  Future<StoredFile> file(Host host, String token, long workspaceId, long fileId) {
    return request(HttpMethod.GET, host, "/api/projects/workspaces/" + workspaceId + "/files/" + fileId + "/",
        token, null).map(body -> new StoredFile(body.getLong("version"), body.getString("content")));
  }

  private Future<Void> register(Host api, String email, String username) {
    return request(HttpMethod.POST, api, "/api/auth/register/", null,
        new JsonObject().put("email", email).put("username", username).put("password", password)).mapEmpty();
  }

  private Future<String> login(Host api, String email) {
    return request(HttpMethod.POST, api, "/api/auth/login/", null,
        new JsonObject().put("email", email).put("password", password)).map(body -> body.getString("access"));
  }

  private Future<JsonObject> request(HttpMethod method, Host host, String path, String token, JsonObject body) {
    // idleTimeout, not timeout (see RealtimeBench.post: a request timeout leaves a timer behind in Vert.x 5.0.7)
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

}

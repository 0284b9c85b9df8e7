package io.collab.bench.docs;

import io.collab.bench.common.BenchRuns;
import io.collab.bench.common.Host;
import io.collab.bench.common.RestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

  private final RestClient rest;
  private final DocsOptions o;

  Rest(Vertx vertx, DocsOptions o) {
    this.o = o;
    this.rest = new RestClient(vertx);
  }

  Fixture setup(String initialText) throws Exception {
    Host api = o.hosts.get(0);
    String owner = rest.owner(api, "docs", o.runId);
    RestClient.Users users = rest.users(api, "docs", o.runId, o.users);
    long projectId = rest.project(api, owner, "docs bench " + o.runId);
    long[] workspaceIds = rest.workspaces(api, owner, projectId, o.workspaces, "docs ws ");
    rest.collaborators(api, owner, workspaceIds, Arrays.asList(users.emails()));

    long[] fileIds = new long[o.files];
    long[] fileWorkspaces = new long[o.files];
    List<Supplier<Future<?>>> tasks = new ArrayList<>();
    for (int f = 0; f < o.files; f++) {
      int file = f;
      fileWorkspaces[f] = workspaceIds[f % o.workspaces];
      tasks.add(() -> rest.post(api, "/api/projects/workspaces/" + fileWorkspaces[file] + "/files/", owner,
              new JsonObject().put("path", "src/module_" + file + ".py").put("content", initialText))
          .onSuccess(body -> fileIds[file] = body.getLong("id")));
    }
    BenchRuns.bounded(tasks, 16, 300);
    return new Fixture(users.tokens(), workspaceIds, fileIds, fileWorkspaces, owner);
  }

  Future<StoredFile> file(Host host, String token, long workspaceId, long fileId) {
    return rest.request(HttpMethod.GET, host, "/api/projects/workspaces/" + workspaceId + "/files/" + fileId + "/",
        token, null).map(body -> new StoredFile(body.getLong("version"), body.getString("content")));
  }
}

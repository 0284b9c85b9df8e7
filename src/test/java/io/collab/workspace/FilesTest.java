package io.collab.workspace;

import io.collab.common.Bus;
import io.collab.documents.ChangeSet;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static io.collab.support.WorkspaceRaces.assertWinners;
import static io.collab.support.WorkspaceRaces.atOnce;
import static io.collab.workspace.Checks.UTC_TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Workspace files (/api/projects/workspaces/{id}/files/)")
class FilesTest {

  static final String[] FILE_KEYS = {"id", "path", "content", "version", "size", "created_at", "updated_at", "updated_by"};
  static final String[] SUMMARY_KEYS = {"id", "path", "size", "version", "updated_at", "updated_by"};

  private TestApp app;
  private Actors actors;
  private Team team;

  static String files(long workspaceId) {
    return Actors.workspace(workspaceId) + "files/";
  }

  static String file(long workspaceId, long fileId) {
    return files(workspaceId) + fileId + "/";
  }

  /** {@code team}'s owner creates a file in its workspace from {@code body} (a path, maybe content), expecting 201. */
  static JsonObject createFile(Actors actors, Team team, JsonObject body) {
    return Actors.expect(actors.post(team.owner(), files(team.workspaceId()), body), 201);
  }

  static JsonObject createFile(Actors actors, Team team, String path, String content) {
    return createFile(actors, team, new JsonObject().put("path", path).put("content", content));
  }

  private JsonObject create(String path, String content) {
    return createFile(actors, team, path, content);
  }

  private static String unique(String name) {
    return System.nanoTime() + "/" + name;
  }

  // ---- create ----------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("POST creates a file: 201 with exactly {id, path, content, version: 0, size, created_at, updated_at, updated_by} and ETag \"0\"")
  void createAnswersTheFile() {
    Instant before = Instant.now().minusSeconds(5);
    String path = unique("héllo.py");

    HttpResponse<Buffer> response = actors.post(team.collaborator(), files(team.workspaceId()),
        new JsonObject().put("path", path).put("content", "print('héllo')"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    assertThat(response.getHeader("ETag")).isEqualTo("\"0\"");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder(FILE_KEYS);
    assertThat(body.getLong("id")).isPositive();
    assertThat(body.getString("path")).isEqualTo(path);
    assertThat(body.getString("content")).isEqualTo("print('héllo')");
    assertThat(body.getLong("version")).isZero();
    assertThat(body.getInteger("size")).isEqualTo(15);  // UTF-8 bytes: é is two
    assertThat(body.getLong("updated_by")).isEqualTo(team.collaborator().id());
    assertThat(body.getString("created_at")).matches(UTC_TIMESTAMP);
    assertThat(body.getString("updated_at")).matches(UTC_TIMESTAMP);
    assertThat(Instant.parse(body.getString("created_at"))).isBetween(before, Instant.now().plusSeconds(5));
  }

  @Test
  @DisplayName("POST without content creates an empty file; POST without the trailing slash works the same")
  void createEmptyWithoutSlash() {
    HttpResponse<Buffer> response = actors.post(team.owner(), "/api/projects/workspaces/" + team.workspaceId() + "/files",
        new JsonObject().put("path", unique("empty.txt")));

    JsonObject body = Actors.expect(response, 201);
    assertThat(body.getString("content")).isEmpty();
    assertThat(body.getInteger("size")).isZero();
  }

  @Test
  @DisplayName("line breaks are stored as \\n, as every editor holds them")
  void lineBreaksNormalized() {
    JsonObject created = create(unique("crlf.txt"), "a\r\nb\rc\n");

    assertThat(created.getString("content")).isEqualTo("a\nb\nc\n");
    assertThat(created.getInteger("size")).isEqualTo(6);
  }

  @Test
  @DisplayName("a path already in the workspace is 409 path_taken; the same path in another workspace is fine")
  void pathTaken() {
    String path = unique("main.py");
    create(path, "1");
    Team other = Teams.create(actors);

    assertError(actors.post(team.collaborator(), files(team.workspaceId()), new JsonObject().put("path", path)), 409, "path_taken");
    createFile(actors, other, new JsonObject().put("path", path));
  }

  @Test
  @DisplayName("content with a NUL character is 400 validation_failed with fields.content")
  void nulContent() {
    HttpResponse<Buffer> response = actors.post(team.owner(), files(team.workspaceId()),
        new JsonObject().put("path", unique("nul.txt")).put("content", "a\0b"));

    assertValidationFailed(response, "content");
  }

  // ---- path rule -------------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"", "/abs.py", "/", "a/../b", "..", ".", "a/./b", "./a", "a/..", "a//b", "a/", "a\\b",
      "a\u0000b", "a\nb", "a\tb", "a\u007fb", "a\u0085b", "a\u001bb"})
  @DisplayName("a path that is not a clean relative POSIX path is 400 validation_failed with fields.path, on POST and PATCH")
  void badPaths(String path) {
    long existing = create(unique("rename-me.txt"), "").getLong("id");

    assertValidationFailed(actors.post(team.owner(), files(team.workspaceId()), new JsonObject().put("path", path)), "path");
    assertValidationFailed(actors.patch(team.owner(), file(team.workspaceId(), existing), new JsonObject().put("path", path)), "path");
  }

  @Test
  @DisplayName("a path of more than 255 UTF-8 bytes is 400 with fields.path, even when it has fewer characters")
  void tooLongPaths() {
    assertValidationFailed(actors.post(team.owner(), files(team.workspaceId()),
        new JsonObject().put("path", "a".repeat(256))), "path");
    assertValidationFailed(actors.post(team.owner(), files(team.workspaceId()),
        new JsonObject().put("path", "é".repeat(128))), "path");  // 128 characters, 256 bytes
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"main.py", ".hidden", "a..b", "...", "dir/sub/file.txt", "with space.md", "ünïcödé/ファイル.txt",
      "emoji-😀.txt"})
  @DisplayName("relative POSIX paths are accepted as they are")
  void goodPaths(String path) {
    String within = System.nanoTime() + "/" + path;

    assertThat(create(within, "").getString("path")).isEqualTo(within);
  }

  @Test
  @DisplayName("a path of exactly 255 UTF-8 bytes is accepted")
  void longestPath() {
    String path = "a".repeat(255);
    String twoByte = "é".repeat(127) + "b";

    assertThat(create(path, "").getString("path")).isEqualTo(path);
    assertThat(create(twoByte, "").getString("path")).isEqualTo(twoByte);
  }

  @Test
  @DisplayName("a path that is not a string is 400 validation_failed with fields.path")
  void pathNotAString() {
    assertValidationFailed(actors.post(team.owner(), files(team.workspaceId()), new JsonObject().put("path", 42)), "path");
    assertValidationFailed(actors.post(team.owner(), files(team.workspaceId()), new JsonObject()), "path");
  }

  // ---- list and get ----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("GET files/ lists every file sorted by path, without content; GET files without the slash is the same")
  void listSortedWithoutContent() {
    Team fresh = Teams.create(actors);
    for (String path : List.of("b.py", "a/z.py", "a.py", "A.py", "a/b.py")) {
      createFile(actors, fresh, path, "x");
    }

    HttpResponse<Buffer> response = getWithAndWithoutSlash(fresh.viewer(), files(fresh.workspaceId()));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonArray items = response.bodyAsJsonArray();
    List<String> paths = new ArrayList<>();
    items.forEach(item -> paths.add(((JsonObject) item).getString("path")));
    assertThat(paths).containsExactly("A.py", "a.py", "a/b.py", "a/z.py", "b.py");
    items.forEach(item -> assertThat(((JsonObject) item).fieldNames()).containsExactlyInAnyOrder(SUMMARY_KEYS));
  }

  @Test
  @DisplayName("GET files/ of a workspace without files is an empty array")
  void emptyList() {
    Team fresh = Teams.create(actors);

    HttpResponse<Buffer> response = actors.get(fresh.owner(), files(fresh.workspaceId()));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonArray()).isEmpty();
  }

  @Test
  @DisplayName("GET files/{file_id}/ answers the file with content and ETag \"<version>\"; without the slash the same")
  void getOne() {
    JsonObject created = create(unique("get.txt"), "content");

    HttpResponse<Buffer> response = getWithAndWithoutSlash(team.viewer(), file(team.workspaceId(), created.getLong("id")));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("ETag")).isEqualTo("\"0\"");
    assertThat(response.bodyAsJsonObject()).isEqualTo(created);
  }

  @Test
  @DisplayName("a file id of another workspace is 404 not_found for every operation, even to a member of both")
  void fileOfAnotherWorkspace() {
    Team other = Teams.create(actors);
    long elsewhere = createFile(actors, other, "theirs.txt", "theirs").getLong("id");
    actors.addMember(other.owner(), other.workspaceId(), team.owner(), "owner");
    String wrong = file(team.workspaceId(), elsewhere);

    assertError(actors.get(team.owner(), wrong), 404, "not_found");
    assertError(actors.put(team.owner(), wrong, new JsonObject().put("content", "x")), 404, "not_found");
    assertError(actors.patch(team.owner(), wrong, new JsonObject().put("path", "moved.txt")), 404, "not_found");
    assertError(actors.delete(team.owner(), wrong), 404, "not_found");
    assertThat(Actors.expect(actors.get(other.owner(), file(other.workspaceId(), elsewhere)), 200).getString("content"))
        .isEqualTo("theirs");
  }

  @Test
  @DisplayName("GET of a file id that never existed is 404 not_found")
  void missing() {
    assertError(actors.get(team.owner(), file(team.workspaceId(), 987_654_321L)), 404, "not_found");
  }

  // ---- replace ---------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("PUT replaces the text: 200, version + 1, ETag \"1\", and the log holds one update from client rest")
  void replace() {
    JsonObject created = create(unique("put.txt"), "old text");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.put(team.collaborator(), file(team.workspaceId(), id),
        new JsonObject().put("content", "new text"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("ETag")).isEqualTo("\"1\"");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder(FILE_KEYS);
    assertThat(body.getString("content")).isEqualTo("new text");
    assertThat(body.getLong("version")).isEqualTo(1);
    assertThat(body.getLong("updated_by")).isEqualTo(team.collaborator().id());
    JsonObject pulled = pull(id, 0);
    assertThat(pulled.getJsonArray("updates")).hasSize(1);
    JsonObject update = pulled.getJsonArray("updates").getJsonObject(0);
    assertThat(update.getString("clientID")).isEqualTo("rest");
    assertThat(ChangeSet.fromJson(update.getJsonArray("changes")).apply("old text")).isEqualTo("new text");
    assertThat(Actors.expect(actors.get(team.viewer(), file(team.workspaceId(), id)), 200).getString("content"))
        .isEqualTo("new text");
  }

  @Test
  @DisplayName("PUT without the trailing slash works the same")
  void replaceWithoutSlash() {
    long id = create(unique("put2.txt"), "a").getLong("id");

    HttpResponse<Buffer> response = actors.put(team.owner(), files(team.workspaceId()) + id, new JsonObject().put("content", "b"));

    assertThat(Actors.expect(response, 200).getString("content")).isEqualTo("b");
  }

  @Test
  @DisplayName("PUT with If-Match of the current ETag succeeds; of another version 412 precondition_failed and nothing changes")
  void replaceIfMatch() {
    long id = create(unique("ifmatch.txt"), "v0").getLong("id");
    String url = file(team.workspaceId(), id);

    Actors.expect(actors.put(team.owner(), url, new JsonObject().put("content", "v1"), "\"0\""), 200);
    assertError(actors.put(team.owner(), url, new JsonObject().put("content", "lost"), "\"0\""), 412, "precondition_failed");
    assertError(actors.put(team.owner(), url, new JsonObject().put("content", "lost"), "\"v1\""), 412, "precondition_failed");
    assertError(actors.put(team.owner(), url, new JsonObject().put("content", "lost"), "garbage"), 412, "precondition_failed");
    Actors.expect(actors.put(team.owner(), url, new JsonObject().put("content", "v2"), "\"1\""), 200);
    Actors.expect(actors.put(team.owner(), url, new JsonObject().put("content", "v3"), "*"), 200);

    HttpResponse<Buffer> current = actors.get(team.owner(), url);
    assertThat(current.getHeader("ETag")).isEqualTo("\"3\"");
    assertThat(current.bodyAsJsonObject().getString("content")).isEqualTo("v3");
  }

  @Test
  @DisplayName("PUT without content is 400 validation_failed with fields.content")
  void replaceWithoutContent() {
    long id = create(unique("nocontent.txt"), "a").getLong("id");

    assertValidationFailed(actors.put(team.owner(), file(team.workspaceId(), id), new JsonObject()), "content");
  }

  @Test
  @DisplayName("PUT stores line breaks as \\n, and refuses a NUL character with 400 fields.content")
  void replaceNormalizesAndRefusesNul() {
    long id = create(unique("put-crlf.txt"), "a").getLong("id");
    String url = file(team.workspaceId(), id);

    JsonObject replaced = Actors.expect(actors.put(team.owner(), url, new JsonObject().put("content", "x\r\ny\r")), 200);
    assertValidationFailed(actors.put(team.owner(), url, new JsonObject().put("content", "x\0y")), "content");

    assertThat(replaced.getString("content")).isEqualTo("x\ny\n");
    assertThat(replaced.getInteger("size")).isEqualTo(4);
    assertThat(Actors.expect(actors.get(team.owner(), url), 200).getLong("version")).isEqualTo(1);
  }

  // ---- rename and delete -----------------------------------------------------------------------------------------

  @Test
  @DisplayName("PATCH renames: 200 with the new path, the same version (ETag) and content")
  void rename() {
    JsonObject created = create(unique("before.txt"), "kept");
    long id = created.getLong("id");
    String to = unique("after.txt");

    HttpResponse<Buffer> response = actors.patch(team.collaborator(), file(team.workspaceId(), id), new JsonObject().put("path", to));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("ETag")).isEqualTo("\"0\"");
    assertThat(response.bodyAsJsonObject().getString("path")).isEqualTo(to);
    JsonObject now = Actors.expect(actors.get(team.owner(), file(team.workspaceId(), id)), 200);
    assertThat(now.getString("path")).isEqualTo(to);
    assertThat(now.getString("content")).isEqualTo("kept");
    assertThat(now.getLong("version")).isZero();
  }

  @Test
  @DisplayName("PATCH to a path another file has is 409 path_taken; to its own path is fine; stale If-Match is 412")
  void renameConflicts() {
    String taken = unique("taken.txt");
    create(taken, "");
    JsonObject mine = create(unique("mine.txt"), "");
    String url = file(team.workspaceId(), mine.getLong("id"));

    assertError(actors.patch(team.owner(), url, new JsonObject().put("path", taken)), 409, "path_taken");
    Actors.expect(actors.patch(team.owner(), url, new JsonObject().put("path", mine.getString("path"))), 200);
    assertError(actors.patch(team.owner(), url, new JsonObject().put("path", unique("x")), "\"7\""), 412, "precondition_failed");
    Actors.expect(actors.patch(team.owner(), files(team.workspaceId()) + mine.getLong("id"),
        new JsonObject().put("path", unique("no-slash.txt")), "\"0\""), 200);
  }

  @Test
  @DisplayName("DELETE answers 204; the file is gone from GET and the list; stale If-Match is 412; without the slash the same")
  void delete() {
    long id = create(unique("gone.txt"), "x").getLong("id");
    long other = create(unique("gone-too.txt"), "x").getLong("id");
    String url = file(team.workspaceId(), id);

    assertError(actors.delete(team.owner(), url, "\"3\""), 412, "precondition_failed");
    HttpResponse<Buffer> response = actors.delete(team.collaborator(), url, "\"0\"");
    HttpResponse<Buffer> slashless = actors.delete(team.owner(), files(team.workspaceId()) + other);

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(slashless.statusCode()).isEqualTo(204);
    assertError(actors.get(team.owner(), url), 404, "not_found");
    assertError(actors.delete(team.owner(), url), 404, "not_found");
    assertThat(Checks.ids(actors.get(team.owner(), files(team.workspaceId())).bodyAsJsonArray())).doesNotContain(id, other);
  }

  // ---- open editors ----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("PUT, PATCH and DELETE reach the workspace's editors as doc_updates (client rest), doc_renamed and doc_deleted")
  void editorsAreTold() throws InterruptedException {
    try (Editors editors = new Editors(team.workspaceId())) {
      long id = create(unique("doc.txt"), "abc").getLong("id");
      String url = file(team.workspaceId(), id);
      String to = unique("renamed.txt");

      Actors.expect(actors.put(team.owner(), url, new JsonObject().put("content", "xyz")), 200);
      JsonObject updates = editors.next(10_000);
      Actors.expect(actors.patch(team.owner(), url, new JsonObject().put("path", to)), 200);
      JsonObject renamed = editors.next(10_000);
      Actors.expect(actors.delete(team.owner(), url), 204);
      JsonObject deleted = editors.next(10_000);

      assertThat(updates).isNotNull();
      assertThat(updates.fieldNames()).containsExactlyInAnyOrder("type", "file_id", "version", "updates");
      assertThat(updates.getString("type")).isEqualTo("doc_updates");
      assertThat(updates.getLong("file_id")).isEqualTo(id);
      assertThat(updates.getLong("version")).isZero();
      JsonObject update = updates.getJsonArray("updates").getJsonObject(0);
      assertThat(update.fieldNames()).containsExactlyInAnyOrder("clientID", "changes");
      assertThat(update.getString("clientID")).isEqualTo("rest");
      assertThat(ChangeSet.fromJson(update.getJsonArray("changes")).apply("abc")).isEqualTo("xyz");
      assertThat(renamed).isEqualTo(new JsonObject().put("type", "doc_renamed").put("file_id", id).put("path", to));
      assertThat(deleted).isEqualTo(new JsonObject().put("type", "doc_deleted").put("file_id", id));
    }
  }

  @Test
  @DisplayName("refused writes (412, 409, 403) tell the editors nothing")
  void refusedWritesAreSilent() throws InterruptedException {
    try (Editors editors = new Editors(team.workspaceId())) {
      String taken = create(unique("taken.txt"), "").getString("path");
      String url = file(team.workspaceId(), create(unique("refused.txt"), "").getLong("id"));

      assertError(actors.put(team.owner(), url, new JsonObject().put("content", "x"), "\"5\""), 412, "precondition_failed");
      assertError(actors.patch(team.owner(), url, new JsonObject().put("path", taken)), 409, "path_taken");
      assertError(actors.delete(team.viewer(), url), 403, "forbidden");

      assertThat(editors.next(500)).isNull();
    }
  }

  // ---- concurrency -----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("concurrent creates of one path: exactly one 201, every other 409 path_taken")
  void concurrentSamePath() {
    Team fresh = Teams.create(actors);

    List<HttpResponse<Buffer>> answers = atOnce(10, i -> actors.request(fresh.owner(), HttpMethod.POST, files(fresh.workspaceId()))
        .sendJsonObject(new JsonObject().put("path", "same.txt").put("content", String.valueOf(i))));

    assertWinners(answers, 201, 1, 409, "path_taken");
  }

  // ---- helpers ---------------------------------------------------------------------------------------------------

  /** GET of {@code url} as {@code actor}; the URL without its trailing slash answers 200 with the same body. */
  private HttpResponse<Buffer> getWithAndWithoutSlash(Actor actor, String url) {
    HttpResponse<Buffer> response = actors.get(actor, url);
    HttpResponse<Buffer> slashless = actors.get(actor, url.substring(0, url.length() - 1));

    assertThat(slashless.statusCode()).as("GET %s without its slash", url).isEqualTo(200);
    assertThat(Json.decodeValue(slashless.body())).as("GET %s without its slash", url).isEqualTo(Json.decodeValue(response.body()));
    return response;
  }

  /** What this instance's realtime hub is sent for a workspace's open editors, heard while the test listens. */
  private final class Editors implements AutoCloseable {

    private final long workspaceId;
    private final BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
    private final MessageConsumer<String> hub;

    Editors(long workspaceId) {
      this.workspaceId = workspaceId;
      hub = app.vertx.eventBus().localConsumer(Bus.documentDelivery(workspaceId), message -> delivered.add(message.body()));
      hub.completion().await();
      app.vertx.eventBus().request(Bus.REALTIME_JOIN, new JsonObject().put("workspace_id", workspaceId)).await();
    }

    /** The next message sent to the editors within {@code millis}, or null. */
    JsonObject next(long millis) throws InterruptedException {
      String message = delivered.poll(millis, TimeUnit.MILLISECONDS);
      return message == null ? null : new JsonObject(message);
    }

    @Override
    public void close() {
      app.vertx.eventBus().request(Bus.REALTIME_LEAVE, new JsonObject().put("workspace_id", workspaceId)).await();
      hub.unregister().await();
    }
  }

  private JsonObject pull(long fileId, long version) {
    return app.vertx.eventBus().<JsonObject>request(Bus.DOCS_PULL, new JsonObject().put("actor", team.owner().id())
        .put("workspace_id", team.workspaceId()).put("file_id", fileId).put("version", version)).await().body();
  }
}

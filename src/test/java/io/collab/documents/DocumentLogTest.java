package io.collab.documents;

import io.collab.common.Bus;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Pause;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The persistence side of the editing protocol, through the event bus as the socket layer calls it: DOCS_OPEN,
 * DOCS_PUSH (the authority step under the file's row lock) and DOCS_PULL.
 */
@CollabTest(settings = {"files.maxBytes=" + DocumentLogTest.MAX_BYTES, "files.historyLength=" + DocumentLogTest.HISTORY})
@DisplayName("Document log (DOCS_OPEN, DOCS_PUSH, DOCS_PULL on the event bus)")
class DocumentLogTest {

  static final int MAX_BYTES = 64;
  static final int HISTORY = 4;

  /** files.maxBytes = 64, files.historyLength = 4 (so the log is trimmed after a handful of pushes). */
  private TestApp app;
  private Actors actors;
  private Team team;

  private static TestApp start(String pgUrl) {
    return TestApp.start(config -> {
      config.getJsonObject("files").put("maxBytes", MAX_BYTES).put("historyLength", HISTORY);
      if (pgUrl != null) {
        config.getJsonObject("pg").put("url", pgUrl);
      }
    });
  }

  // ---- push ---------------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a push at the current version is accepted as it is: the version moves by one per update, the text follows")
  void pushAtCurrentVersion() {
    long file = create("hello");

    JsonObject reply = push(team.collaborator(), file, 0, update("c1", 5, 5, "!"), update("c1", 6, 0, ">"));

    assertThat(reply.getLong("file_id")).isEqualTo(file);
    assertVersions(reply, 0, 2);
    assertThat(reply.getJsonArray("updates")).containsExactly(update("c1", 5, 5, "!"), update("c1", 6, 0, ">"));
    JsonObject opened = open(team.viewer(), file);
    assertThat(opened.getString("content")).isEqualTo(">hello!");
    assertThat(opened.getLong("version")).isEqualTo(2);
    assertThat(opened.getLong("file_id")).isEqualTo(file);
    assertThat(opened.getString("path")).startsWith("doc-");
  }

  @Test
  @DisplayName("a push at a stale version is rebased over the updates accepted since, not refused")
  void stalePushIsRebased() {
    long file = create("abc");
    push(team.owner(), file, 0, update("a", 3, 3, "X"));         // abcX

    JsonObject reply = push(team.collaborator(), file, 0, update("b", 3, 0, "Y"));  // made on "abc": Yabc

    assertVersions(reply, 1, 2);
    assertThat(reply.getJsonArray("updates")).containsExactly(update("b", 4, 0, "Y"));
    assertThat(open(team.owner(), file).getString("content")).isEqualTo("YabcX");
  }

  @Test
  @DisplayName("a push stale by several updates is rebased over each in log order; the text is the log replayed")
  void staleBySeveral() {
    long file = create("");
    push(team.owner(), file, 0, update("a", 0, 0, "a"));
    push(team.collaborator(), file, 1, update("b", 1, 0, "b"));
    push(team.owner(), file, 2, update("c", 2, 2, "c"));

    JsonObject reply = push(team.collaborator(), file, 0, update("d", 0, 0, "d"), update("d", 1, 1, "e"));

    assertVersions(reply, 3, 5);
    String content = open(team.owner(), file).getString("content");
    assertThat(replay("", pull(team.owner(), file, 0).getJsonArray("updates"))).isEqualTo(content);
    assertThat(content).hasSize(5).contains("de").contains("a").contains("b").contains("c");
  }

  @Test
  @DisplayName("a push re-sent after a lost ack is not applied twice: its update is recognised by clientID")
  void resentPushIsNotAppliedTwice() {
    long file = create("abc");
    JsonObject first = push(team.collaborator(), file, 0, update("me", 3, 3, "!"));

    JsonObject again = push(team.collaborator(), file, 0, update("me", 3, 3, "!"));

    assertThat(first.getLong("version")).isEqualTo(1);
    assertVersions(again, 1, 1);
    assertThat(again.getJsonArray("updates")).isEmpty();
    assertThat(open(team.owner(), file).getString("content")).isEqualTo("abc!");
    assertThat(pull(team.owner(), file, 0).getJsonArray("updates")).hasSize(1);
  }

  @Test
  @DisplayName("a re-sent push followed by new updates: the duplicate is dropped, the rest is rebased and accepted")
  void resentThenNew() {
    long file = create("ab");
    push(team.collaborator(), file, 0, update("me", 2, 2, "1"));   // ab1
    push(team.owner(), file, 1, update("other", 3, 0, "<"));       // <ab1

    JsonObject reply = push(team.collaborator(), file, 0, update("me", 2, 2, "1"), update("me", 3, 3, "2"));

    assertVersions(reply, 2, 3);
    assertThat(open(team.owner(), file).getString("content")).isEqualTo("<ab12");
  }

  @Test
  @DisplayName("a push of no updates changes nothing and answers the current version")
  void emptyPush() {
    long file = create("abc");
    push(team.owner(), file, 0, update("a", 3, 3, "!"));

    JsonObject reply = push(team.collaborator(), file, 1);

    assertVersions(reply, 1, 1);
    assertThat(reply.getJsonArray("updates")).isEmpty();
  }

  @Test
  @DisplayName("a push made before a REST replace is rebased over the replace's update (client rest)")
  void pushOverRestReplace() {
    long file = create("abc");
    request(Bus.FILES_REPLACE, new JsonObject().put("actor", team.owner().id()).put("workspace_id", team.workspaceId())
        .put("id", file).put("content", "xyz"));

    JsonObject reply = push(team.collaborator(), file, 0, update("late", 3, 3, "!"));

    assertVersions(reply, 1, 2);
    JsonArray log = pull(team.owner(), file, 0).getJsonArray("updates");
    assertThat(log.getJsonObject(0).getString("clientID")).isEqualTo("rest");
    assertThat(replay("abc", log)).isEqualTo(open(team.owner(), file).getString("content")).isEqualTo("xyz!");
  }

  @Test
  @DisplayName("a push whose text would exceed files.maxBytes (UTF-8) fails 413 doc_too_large and stores nothing")
  void tooLarge() {
    long file = create("");
    // 21 three-byte characters are 63 bytes: they fit; one more byte does not
    push(team.owner(), file, 0, update("c", 0, 0, "€".repeat(21)));

    ReplyException refused = fail(Bus.DOCS_PUSH, pushRequest(team.owner(), file, 1, update("c", 21, 21, "xy")));

    assertFailure(refused, 413, "doc_too_large");
    JsonObject opened = open(team.owner(), file);
    assertThat(opened.getLong("version")).isEqualTo(1);
    assertThat(opened.getString("content")).isEqualTo("€".repeat(21));
  }

  @Test
  @DisplayName("changes that do not fit the document at their version fail 400 doc_invalid_change and store nothing")
  void lengthMismatch() {
    long file = create("abc");

    assertFailure(fail(Bus.DOCS_PUSH, pushRequest(team.owner(), file, 0, update("c", 5, 5, "x"))), 400, "doc_invalid_change");
    assertFailure(fail(Bus.DOCS_PUSH, pushRequest(team.owner(), file, 0, update("c", 3, 3, "x"), update("c", 3, 3, "y"))),
        400, "doc_invalid_change");
    assertThat(open(team.owner(), file).getLong("version")).isZero();
    assertThat(pull(team.owner(), file, 0).getJsonArray("updates")).isEmpty();
  }

  @Test
  @DisplayName("malformed pushes fail 400 doc_invalid_change: bad changes JSON, missing clientID, no updates array, bad version")
  void malformed() {
    long file = create("abc");

    JsonObject badChanges = new JsonObject().put("clientID", "c").put("changes", new JsonArray().add("nope"));
    JsonObject noClient = new JsonObject().put("changes", new JsonArray().add(3));
    for (JsonObject request : List.of(
        docRequest(team.owner(), file).put("version", 0).put("updates", new JsonArray().add(badChanges)),
        docRequest(team.owner(), file).put("version", 0).put("updates", new JsonArray().add(noClient)),
        docRequest(team.owner(), file).put("version", 0).put("updates", new JsonArray().add("text")),
        docRequest(team.owner(), file).put("version", 0).put("updates", "not an array"),
        docRequest(team.owner(), file).put("version", -1).put("updates", new JsonArray()),
        docRequest(team.owner(), file).put("version", 0.5).put("updates", new JsonArray()),
        docRequest(team.owner(), file).put("updates", new JsonArray()))) {
      assertFailure(fail(Bus.DOCS_PUSH, request), 400, "doc_invalid_change");
    }
    assertThat(open(team.owner(), file).getLong("version")).isZero();
  }

  @Test
  @DisplayName("a push at a version ahead of the document fails 400 doc_invalid_change")
  void versionAhead() {
    long file = create("abc");

    assertFailure(fail(Bus.DOCS_PUSH, pushRequest(team.owner(), file, 1, update("c", 3, 3, "x"))), 400, "doc_invalid_change");
  }

  @Test
  @DisplayName("a text holding NUL cannot be stored: the push fails 400 doc_invalid_change")
  void nulRefused() {
    long file = create("abc");

    assertFailure(fail(Bus.DOCS_PUSH, pushRequest(team.owner(), file, 0, update("c", 3, 3, "\0"))), 400, "doc_invalid_change");
  }

  @Test
  @DisplayName("a viewer's push fails 403 forbidden; an outsider's, or one naming a file of another workspace, 404 not_found")
  void pushPermissions() {
    long file = create("abc");
    Actor outsider = actors.register("outsider");
    Team other = Teams.create(actors);

    assertFailure(fail(Bus.DOCS_PUSH, pushRequest(team.viewer(), file, 0, update("v", 3, 3, "x"))), 403, "forbidden");
    assertFailure(fail(Bus.DOCS_PUSH, pushRequest(outsider, file, 0, update("o", 3, 3, "x"))), 404, "not_found");
    JsonObject elsewhere = pushRequest(other.owner(), file, 0, update("o", 3, 3, "x")).put("workspace_id", other.workspaceId());
    assertFailure(fail(Bus.DOCS_PUSH, elsewhere), 404, "not_found");
    assertFailure(fail(Bus.DOCS_OPEN, docRequest(outsider, file)), 404, "not_found");
    assertFailure(fail(Bus.DOCS_PULL, docRequest(outsider, file).put("version", 0)), 404, "not_found");
    assertFailure(fail(Bus.DOCS_PUSH, pushRequest(team.owner(), 987_654_321L, 0, update("c", 3, 3, "x"))), 404, "not_found");
    assertThat(open(team.owner(), file).getLong("version")).isZero();
  }

  @Test
  @DisplayName("a push to a deleted file fails 404 not_found")
  void pushAfterDelete() {
    long file = create("abc");
    request(Bus.FILES_DELETE, new JsonObject().put("actor", team.owner().id()).put("workspace_id", team.workspaceId())
        .put("id", file));

    assertFailure(fail(Bus.DOCS_PUSH, pushRequest(team.owner(), file, 0, update("c", 3, 3, "x"))), 404, "not_found");
  }

  // ---- pull and the retained log -----------------------------------------------------------------------------------

  @Test
  @DisplayName("pull from 0 replays every update; applying them to the initial text gives the current content")
  void pullReplays() {
    long file = create("");
    push(team.owner(), file, 0, update("a", 0, 0, "one"));
    push(team.collaborator(), file, 1, update("b", 3, 3, " two"));
    push(team.owner(), file, 1, update("a", 3, 0, "zero "));  // stale: rebased over " two"

    JsonObject pulled = pull(team.viewer(), file, 0);

    assertThat(pulled.getLong("file_id")).isEqualTo(file);
    assertThat(pulled.getLong("version")).isZero();
    assertThat(replay("", pulled.getJsonArray("updates"))).isEqualTo(open(team.owner(), file).getString("content"))
        .isEqualTo("zero one two");
    assertThat(pull(team.viewer(), file, 2).getJsonArray("updates")).hasSize(1);
    assertThat(pull(team.viewer(), file, 3).getJsonArray("updates")).isEmpty();
    assertFailure(fail(Bus.DOCS_PULL, docRequest(team.viewer(), file).put("version", 4)), 400, "doc_invalid_change");
  }

  @Test
  @DisplayName("after the log was trimmed to files.historyLength, a pull or push from before it answers 409 doc_reload")
  void trimmedLogAsksForReload() {
    long file = create("");
    for (int v = 0; v < 12; v++) {
      push(team.owner(), file, v, update("a", v, v, "x"));
    }

    assertFailure(fail(Bus.DOCS_PULL, docRequest(team.owner(), file).put("version", 0)), 409, "doc_reload");
    assertFailure(fail(Bus.DOCS_PUSH, pushRequest(team.owner(), file, 0, update("b", 0, 0, "y"))), 409, "doc_reload");
    // at least historyLength updates stay pullable, and they lead to the current text
    JsonObject pulled = pull(team.owner(), file, 12 - HISTORY);
    assertThat(pulled.getJsonArray("updates")).hasSize(HISTORY);
    assertThat(replay("x".repeat(12 - HISTORY), pulled.getJsonArray("updates"))).isEqualTo("x".repeat(12));
  }

  // ---- concurrency and durability ----------------------------------------------------------------------------------

  @Test
  @DisplayName("20 clients pushing at version 0 at once: versions 1..20 with no gap or fork, content equals applying the log")
  void concurrentPushesFormOneSequence() {
    TestApp roomy = TestApp.start();  // the default history: nothing is trimmed here
    try {
      Team t = Teams.create(new Actors(roomy));
      long file = createIn(roomy, t, "");
      List<Future<Message<JsonObject>>> pushes = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Actor pusher = i % 2 == 0 ? t.owner() : t.collaborator();
        pushes.add(roomy.vertx.eventBus().request(Bus.DOCS_PUSH, new JsonObject().put("actor", pusher.id())
            .put("workspace_id", t.workspaceId()).put("file_id", file).put("version", 0)
            .put("updates", new JsonArray().add(update("client-" + i, 0, 0, "<" + i + ">")))));
      }
      Future.all(pushes).await();

      Set<Long> versions = new HashSet<>();
      for (Future<Message<JsonObject>> p : pushes) {
        JsonObject reply = p.result().body();
        assertThat(reply.getLong("version")).isEqualTo(reply.getLong("from") + 1);
        assertThat(reply.getJsonArray("updates")).hasSize(1);
        versions.add(reply.getLong("version"));
      }
      assertThat(versions).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 20).boxed().toList());
      JsonObject base = new JsonObject().put("actor", t.owner().id()).put("workspace_id", t.workspaceId()).put("file_id", file);
      JsonArray log = roomy.vertx.eventBus().<JsonObject>request(Bus.DOCS_PULL, base.copy().put("version", 0))
          .await().body().getJsonArray("updates");
      assertThat(log).hasSize(20);
      String content = open(roomy, t, file).getString("content");
      assertThat(replay("", log)).isEqualTo(content);
      for (int i = 0; i < 20; i++) {
        assertThat(content).contains("<" + i + ">");
      }
    } finally {
      roomy.stop();
    }
  }

  @Test
  @DisplayName("pushes sent at once are committed together, each with its own outcome: one refused push fails alone")
  void batchedPushesKeepTheirOwnOutcomes() {
    Team other = Teams.create(actors);
    long a = create("aaaa");
    long b = create("bbbb");
    long foreign = createIn(app, other, "zz");
    List<Future<Message<JsonObject>>> sent = new ArrayList<>();
    // all at once, so they share batches: good pushes to two files interleaved with every kind of refusal
    sent.add(send(pushRequest(team.owner(), a, 0, update("a1", 4, 4, "1"))));
    sent.add(send(pushRequest(team.viewer(), a, 0, update("v", 4, 0, "v"))));                  // forbidden
    sent.add(send(pushRequest(team.collaborator(), b, 0, update("b1", 4, 0, "1"))));
    sent.add(send(pushRequest(team.owner(), a, 0, update("bad", 9, 0, "x"))));                 // wrong length
    sent.add(send(pushRequest(team.owner(), foreign, 0, update("f", 2, 0, "f"))));             // another team's
    sent.add(send(pushRequest(team.owner(), a, 0, update("big", 4, 0, "x".repeat(MAX_BYTES))))); // too large
    sent.add(send(pushRequest(team.collaborator(), a, 0, update("a2", 4, 0, "2"))));            // stale: rebased
    sent.add(send(pushRequest(team.owner(), b, 5, update("ahead", 4, 0, "x"))));                // ahead
    Future.join(sent).otherwiseEmpty().await();  // some fail on purpose; each is checked below

    assertThat(sent.get(0).result().body().getLong("version")).isEqualTo(1);
    assertFailure((ReplyException) sent.get(1).cause(), 403, "forbidden");
    assertThat(sent.get(2).result().body().getLong("version")).isEqualTo(1);
    assertFailure((ReplyException) sent.get(3).cause(), 400, "doc_invalid_change");
    assertFailure((ReplyException) sent.get(4).cause(), 404, "not_found");
    assertFailure((ReplyException) sent.get(5).cause(), 413, "doc_too_large");
    JsonObject rebased = sent.get(6).result().body();
    assertThat(rebased.getLong("from")).isEqualTo(1);
    assertThat(rebased.getJsonArray("updates")).containsExactly(update("a2", 5, 0, "2"));
    assertFailure((ReplyException) sent.get(7).cause(), 400, "doc_invalid_change");
    assertThat(open(team.owner(), a).getString("content")).isEqualTo("2aaaa1")
        .isEqualTo(replay("aaaa", pull(team.owner(), a, 0).getJsonArray("updates")));
    assertThat(open(team.owner(), b).getString("content")).isEqualTo("1bbbb");
    assertThat(open(app, other, foreign).getLong("version")).isZero();
  }

  private Future<Message<JsonObject>> send(JsonObject request) {
    return app.vertx.eventBus().request(Bus.DOCS_PUSH, request);
  }

  @Test
  @DisplayName("pushes queued behind a stuck commit longer than bus.requestTimeoutMs are dropped unapplied, not run late")
  void pushesOutlivingTheirCallerAreDropped() {
    TestApp quick = TestApp.start(config -> config.getJsonObject("bus").put("requestTimeoutMs", 300));
    Pool direct = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(quick.config.getJsonObject("pg")
        .getString("url"))).using(quick.vertx).build();
    try {
      Team t = Teams.create(new Actors(quick));
      long file = createIn(quick, t, "");
      JsonObject base = new JsonObject().put("actor", t.owner().id()).put("workspace_id", t.workspaceId())
          .put("file_id", file).put("version", 0);
      SqlConnection holder = direct.getConnection().await();
      Transaction held = holder.begin().await();
      holder.query("SELECT id FROM files WHERE id = " + file + " FOR UPDATE").execute().await();
      // the first push's batch now waits for the row; the next ones queue behind it and outlive their callers
      Future<Message<JsonObject>> stuck = quick.vertx.eventBus().request(Bus.DOCS_PUSH,
          base.copy().put("updates", new JsonArray().add(update("first", 0, 0, "a"))));
      List<Future<Message<JsonObject>>> queued = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        queued.add(quick.vertx.eventBus().request(Bus.DOCS_PUSH,
            base.copy().put("updates", new JsonArray().add(update("late-" + i, 0, 0, "x")))));
      }
      Future.join(queued).otherwiseEmpty().await();
      assertThat(queued).allMatch(Future::failed);
      Pause.sleep(400);
      held.commit().await();  // the stuck batch commits; the queue it left behind is past its callers' patience
      holder.close().await();
      assertThat(stuck.otherwiseEmpty().await()).isNull();  // its caller gave up too, but it was applied

      JsonObject after = quick.vertx.eventBus().<JsonObject>request(Bus.DOCS_PUSH,
          base.copy().put("version", 1).put("updates", new JsonArray().add(update("next", 1, 1, "b")))).await().body();
      assertThat(after.getLong("version")).as("only the stuck push and this one were applied").isEqualTo(2);
      assertThat(open(quick, t, file).getString("content")).isEqualTo("ab");
    } finally {
      direct.close().await();
      quick.stop();
    }
  }

  @Test
  @DisplayName("pushes and REST replaces racing on one file share one gap-free version sequence; the text is the log replayed")
  void pushesAndReplacesRace() {
    TestApp roomy = TestApp.start();
    try {
      Team t = Teams.create(new Actors(roomy));
      long file = createIn(roomy, t, "start");
      JsonObject base = new JsonObject().put("actor", t.owner().id()).put("workspace_id", t.workspaceId());
      List<Future<Message<JsonObject>>> pushes = new ArrayList<>();
      List<Future<Message<JsonObject>>> replaces = new ArrayList<>();
      for (int i = 0; i < 15; i++) {
        pushes.add(roomy.vertx.eventBus().request(Bus.DOCS_PUSH, base.copy().put("file_id", file).put("version", 0)
            .put("updates", new JsonArray().add(update("client-" + i, 5, 0, "<" + i + ">")))));
        if (i % 3 == 0) {
          replaces.add(roomy.vertx.eventBus().request(Bus.FILES_REPLACE, base.copy().put("id", file)
              .put("content", "replaced " + i)));
        }
      }
      Future.all(pushes).await();
      Future.all(replaces).await();

      Set<Long> versions = new HashSet<>();
      pushes.forEach(p -> versions.add(p.result().body().getLong("version")));
      replaces.forEach(r -> versions.add(r.result().body().getJsonObject("file").getLong("version")));
      assertThat(versions).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 20).boxed().toList());
      JsonArray log = roomy.vertx.eventBus().<JsonObject>request(Bus.DOCS_PULL, base.copy().put("file_id", file)
          .put("version", 0)).await().body().getJsonArray("updates");
      assertThat(log).hasSize(20);
      assertThat(replay("start", log)).isEqualTo(open(roomy, t, file).getString("content"));
    } finally {
      roomy.stop();
    }
  }

  @Test
  @DisplayName("after a restart every acknowledged update is there: the same text, version and log")
  void restartKeepsAcknowledgedUpdates() {
    TestApp first = start(null);
    String pgUrl = first.config.getJsonObject("pg").getString("url");
    long file;
    String content;
    try {
      Actors firstActors = new Actors(first);
      Team t = Teams.create(firstActors);
      file = createIn(first, t, "start");
      for (int v = 0; v < 3; v++) {
        JsonObject ack = first.vertx.eventBus().<JsonObject>request(Bus.DOCS_PUSH,
            pushRequest(t.owner(), file, v, update("c", 5 + v, 5 + v, String.valueOf(v))).put("workspace_id", t.workspaceId()))
            .await().body();
        assertThat(ack.getLong("version")).isEqualTo(v + 1);
      }
      content = open(first, t, file).getString("content");
      first.stop();
      first = start(pgUrl);
      JsonObject reopened = open(first, t, file);
      assertThat(reopened.getLong("version")).isEqualTo(3);
      assertThat(reopened.getString("content")).isEqualTo(content).isEqualTo("start012");
      JsonArray log = first.vertx.eventBus().<JsonObject>request(Bus.DOCS_PULL, new JsonObject()
          .put("actor", t.owner().id()).put("workspace_id", t.workspaceId()).put("file_id", file).put("version", 0))
          .await().body().getJsonArray("updates");
      assertThat(replay("start", log)).isEqualTo("start012");
    } finally {
      first.stop();
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------------------------

  /** A CodeMirror ChangeSet JSON replacing [from, to) of a document of {@code length} units with {@code text}. */
  static JsonObject update(String clientId, int length, int from, String text) {
    return update(clientId, length, from, from, text);
  }

  static JsonObject update(String clientId, int length, int from, int to, String text) {
    JsonArray changes = new JsonArray();
    if (from > 0) {
      changes.add(from);
    }
    changes.add(new JsonArray().add(to - from).add(text));
    if (length - to > 0) {
      changes.add(length - to);
    }
    return new JsonObject().put("clientID", clientId).put("changes", changes);
  }

  private long create(String content) {
    return createIn(app, team, content);
  }

  private static long createIn(TestApp app, Team team, String content) {
    JsonObject created = app.vertx.eventBus().<JsonObject>request(Bus.FILES_CREATE, new JsonObject()
        .put("actor", team.owner().id()).put("workspace_id", team.workspaceId())
        .put("path", "doc-" + System.nanoTime() + ".txt").put("content", content)).await().body();
    return created.getLong("id");
  }

  private JsonObject docRequest(Actor actor, long file) {
    return new JsonObject().put("actor", actor.id()).put("workspace_id", team.workspaceId()).put("file_id", file);
  }

  private JsonObject pushRequest(Actor actor, long file, long version, JsonObject... updates) {
    return docRequest(actor, file).put("version", version).put("updates", new JsonArray(List.of((Object[]) updates)));
  }

  private JsonObject push(Actor actor, long file, long version, JsonObject... updates) {
    return request(Bus.DOCS_PUSH, pushRequest(actor, file, version, updates));
  }

  private JsonObject pull(Actor actor, long file, long version) {
    return request(Bus.DOCS_PULL, docRequest(actor, file).put("version", version));
  }

  private JsonObject open(Actor actor, long file) {
    return request(Bus.DOCS_OPEN, docRequest(actor, file));
  }

  private static JsonObject open(TestApp app, Team team, long file) {
    return app.vertx.eventBus().<JsonObject>request(Bus.DOCS_OPEN, new JsonObject().put("actor", team.owner().id())
        .put("workspace_id", team.workspaceId()).put("file_id", file)).await().body();
  }

  private JsonObject request(String address, JsonObject body) {
    return app.vertx.eventBus().<JsonObject>request(address, body).await().body();
  }

  private ReplyException fail(String address, JsonObject body) {
    return catchThrowableOfType(ReplyException.class, () -> app.vertx.eventBus().request(address, body).await());
  }

  /** The reply's {@code from} (the version the push was rebased to) and its new {@code version}. */
  private static void assertVersions(JsonObject reply, long from, long version) {
    assertThat(reply.getLong("from")).as("from").isEqualTo(from);
    assertThat(reply.getLong("version")).as("version").isEqualTo(version);
  }

  private static void assertFailure(ReplyException failure, int status, String code) {
    assertThat(failure).as("expected failure %d %s", status, code).isNotNull();
    assertThat(failure.failureCode()).as("status of %s", failure.getMessage()).isEqualTo(status);
    assertThat(failure.getMessage()).startsWith(code + ": ");
  }

  /** Applies a list of update JSONs in order, as an editor replaying a pull does. */
  static String replay(String text, JsonArray updates) {
    String result = text;
    for (int i = 0; i < updates.size(); i++) {
      result = ChangeSet.fromJson(updates.getJsonObject(i).getJsonArray("changes")).apply(result);
    }
    return result;
  }
}

package io.collab.realtime;

import io.collab.common.Bus;
import io.collab.common.BusFailure;
import io.collab.support.Pause;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbound rules of one socket's {@link DocumentChannel}, against a scripted document service: what a client is
 * sent for document messages that come late, twice, overlapping or past a gap. The end-to-end behaviour over real
 * sockets and instances is {@code DocumentSocketTest}'s.
 */
@DisplayName("A socket's document channel")
class DocumentChannelTest {

  private static final long WORKSPACE = 7;
  private static final long FILE = 3;

  private Vertx vertx;
  private io.vertx.core.Context loop;
  /** The file's update log: entry v applies to version v. */
  private final List<JsonObject> log = new ArrayList<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<JsonObject> published = new CopyOnWriteArrayList<>();
  private final List<JsonObject> sent = new CopyOnWriteArrayList<>();
  private Promise<JsonObject> openAnswer;
  private volatile BusFailure pullFailure;
  private DocumentChannel channel;
  private String role = "collaborator";

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    loop = vertx.getOrCreateContext();
    channel = new DocumentChannel(vertx, this::serve, (workspace, message) -> {
      published.add(message);
      return Future.succeededFuture();
    }, WORKSPACE, 1, () -> role, text -> sent.add(new JsonObject(text)));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private Future<JsonObject> serve(String address, JsonObject body) {
    requests.add(address);
    return switch (address) {
      case Bus.DOCS_OPEN -> openAnswer.future();
      case Bus.DOCS_PULL -> pullFailure != null ? Future.failedFuture(pullFailure)
          : Future.succeededFuture(new JsonObject().put("file_id", FILE).put("version", (long) log.size())
              .put("updates", new JsonArray(log.subList(body.getLong("version").intValue(), log.size()))));
      case Bus.DOCS_PUSH -> Future.succeededFuture(new JsonObject().put("file_id", FILE).put("from", 4L)
          .put("version", 4L + body.getJsonArray("updates").size()).put("updates", body.getJsonArray("updates")));
      default -> Future.failedFuture(new BusFailure(503, "service_unavailable", "no such address"));
    };
  }

  @Test
  @DisplayName("sends the updates that arrive while the file opens once its version is known: older ones dropped, an overlapping one from its new part")
  void updatesDuringOpen() {
    appendLog(6);
    openAnswer = Promise.promise();
    onLoop(() -> channel.onEvent(Protocol.DOC_OPEN, new JsonObject().put("file_id", FILE), "o"));
    deliver(1, 2);  // already in the state
    deliver(2, 5);  // overlaps: only 4 and 5 are new
    deliver(5, 6);
    onLoop(() -> openAnswer.complete(state(4)));

    assertThat(types()).containsExactly("doc_state", "doc_updates", "doc_updates");
    assertThat(versionsSent()).containsExactly(4L, 5L);
    assertThat(sent.get(1).getJsonArray("updates")).containsExactly(log.get(4));
    assertThat(requests).containsExactly(Bus.DOCS_OPEN);
  }

  @Test
  @DisplayName("sends each update in a doc_updates message of its own, however many a published message holds")
  void oneUpdatePerMessage() {
    appendLog(5);
    open(0);
    deliver(0, 3);
    deliver(1, 5);

    assertThat(versionsSent()).containsExactly(0L, 1L, 2L, 3L, 4L);
    assertThat(updatesSent()).containsExactlyElementsOf(log);
  }

  @Test
  @DisplayName("drops a repeated message and sends each update once, in version order")
  void duplicatesAndOrder() {
    appendLog(3);
    open(0);
    deliver(0, 1);
    deliver(0, 1);
    deliver(1, 3);
    deliver(0, 2);

    assertThat(updatesSent()).containsExactlyElementsOf(log);
    assertThat(requests).containsExactly(Bus.DOCS_OPEN);
  }

  @Test
  @DisplayName("closes a gap that fills itself within the grace without pulling")
  void reorderedWithinGrace() {
    appendLog(2);
    open(0);
    deliver(1, 2);
    deliver(0, 1);

    assertThat(updatesSent()).containsExactlyElementsOf(log);
    Pause.sleep(DocumentChannel.GAP_GRACE_MS * 3);
    assertThat(requests).containsExactly(Bus.DOCS_OPEN);
  }

  @Test
  @DisplayName("pulls a gap that stays open, sends the pulled updates, then what waited, each once")
  void pullsAGap() {
    appendLog(5);
    open(0);
    deliver(0, 1);
    deliver(3, 5);  // 1 and 2 never arrive
    Pause.sleep(DocumentChannel.GAP_GRACE_MS * 10);

    assertThat(requests).containsExactly(Bus.DOCS_OPEN, Bus.DOCS_PULL);
    assertThat(updatesSent()).containsExactlyElementsOf(log);
  }

  @Test
  @DisplayName("tells the client doc_reload with the file id, and stops sending the file, when a gap cannot be pulled")
  void reloadWhenTheLogNoLongerReaches() {
    appendLog(3);
    open(0);
    pullFailure = new BusFailure(409, Protocol.DOC_RELOAD, "the log no longer reaches version 0");
    deliver(2, 3);
    Pause.sleep(DocumentChannel.GAP_GRACE_MS * 10);
    deliver(0, 3);

    assertThat(types()).containsExactly("doc_state", "error");
    assertThat(sent.get(1).getString("error")).isEqualTo(Protocol.DOC_RELOAD);
    assertThat(sent.get(1).getLong("file_id")).isEqualTo(FILE);
  }

  @Test
  @DisplayName("keeps the file open and pulls the gap again when the document service cannot answer, then sends it all once")
  void retriesAGapFillThatFindsNoService() {
    appendLog(4);
    open(0);
    pullFailure = new BusFailure(503, "service_unavailable", "the database did not answer; retry");
    deliver(2, 4);  // 0 and 1 never arrive; the pull fails until the service is back
    Pause.sleep(DocumentChannel.GAP_GRACE_MS * 15);
    long failedPulls = requests.stream().filter(Bus.DOCS_PULL::equals).count();
    assertThat(failedPulls).as("pulls retried with backoff, not a storm").isBetween(2L, 6L);
    assertThat(types()).containsExactly("doc_state");

    pullFailure = null;
    Pause.sleep(DocumentChannel.GAP_RETRY_MAX_MS / 2);

    assertThat(types()).doesNotContain("error");
    assertThat(updatesSent()).containsExactlyElementsOf(log);
  }

  @Test
  @DisplayName("refuses a viewer's push as forbidden without asking the document service")
  void viewerPush() {
    role = "viewer";
    onLoop(() -> channel.onEvent(Protocol.DOC_PUSH, push(0), "p"));

    assertThat(sent).singleElement().satisfies(error -> {
      assertThat(error.getString("error")).isEqualTo("forbidden");
      assertThat(error.getString("ref")).isEqualTo("p");
    });
    assertThat(requests).isEmpty();
  }

  @Test
  @DisplayName("acks a push with the version after it and publishes the accepted updates from the version they apply to")
  void pushAckAndPublish() {
    onLoop(() -> channel.onEvent(Protocol.DOC_PUSH, push(2), 9));

    assertThat(sent).singleElement().satisfies(ack -> {
      assertThat(ack.getString("type")).isEqualTo("doc_ack");
      assertThat(ack.getInteger("ref")).isEqualTo(9);
      assertThat(ack.getLong("version")).isEqualTo(5);
    });
    assertThat(published).singleElement().satisfies(message -> {
      assertThat(message.getString("type")).isEqualTo("doc_updates");
      assertThat(message.getLong("version")).isEqualTo(4);
      assertThat(message.getLong("file_id")).isEqualTo(FILE);
    });
  }

  @Test
  @DisplayName("forwards doc_deleted and sends nothing more of the file")
  void deleted() {
    appendLog(2);
    open(0);
    onLoop(() -> channel.deliver(DocumentChannel.Incoming.parse(new JsonObject().put("type", "doc_deleted")
        .put("file_id", FILE).encode())));
    deliver(0, 2);

    assertThat(types()).containsExactly("doc_state", "doc_deleted");
  }

  @Test
  @DisplayName("sends every update exactly once and in order, whatever the order, repetition, overlap and loss of the messages (seeded)")
  void anyArrivalOrder() {
    for (long seed = 1; seed <= 40; seed++) {
      Random random = new Random(seed);
      stop();
      start();
      sent.clear();
      requests.clear();
      log.clear();
      appendLog(60);
      int openedAt = random.nextInt(10);
      List<long[]> messages = new ArrayList<>();
      for (int v = 0; v < log.size(); ) {
        int n = 1 + random.nextInt(4);
        int end = Math.min(log.size(), v + n);
        if (random.nextInt(10) > 0) {  // one in ten is lost
          messages.add(new long[] {v, end});
        }
        if (random.nextInt(5) == 0) {  // one in five comes again, overlapping
          messages.add(new long[] {Math.max(0, v - 2), end});
        }
        v = end;
      }
      Collections.shuffle(messages.subList(0, messages.size()), random);
      open(openedAt);
      for (long[] m : messages) {
        deliver((int) m[0], (int) m[1]);
        if (random.nextInt(8) == 0) {
          Pause.sleep(random.nextInt(30));
        }
      }
      Pause.sleep(DocumentChannel.GAP_GRACE_MS * 5);
      deliver(log.size() - 1, log.size());
      Pause.sleep(DocumentChannel.GAP_GRACE_MS * 5);

      assertThat(updatesSent()).as("seed %d", seed).containsExactlyElementsOf(log.subList(openedAt, log.size()));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private void appendLog(int n) {
    for (int i = 0; i < n; i++) {
      log.add(new JsonObject().put("clientID", "c" + log.size()).put("changes", new JsonArray().add(log.size())));
    }
  }

  private void open(long version) {
    openAnswer = Promise.promise();
    onLoop(() -> channel.onEvent(Protocol.DOC_OPEN, new JsonObject().put("file_id", FILE), "o"));
    onLoop(() -> openAnswer.complete(state(version)));
  }

  private static JsonObject state(long version) {
    return new JsonObject().put("file_id", FILE).put("path", "a.txt").put("version", version).put("content", "");
  }

  private static JsonObject push(long version) {
    return new JsonObject().put("file_id", FILE).put("version", version).put("updates", new JsonArray()
        .add(new JsonObject().put("clientID", "me").put("changes", new JsonArray().add(1))));
  }

  /** Publishes log[from, to) as one doc_updates message. */
  private void deliver(int from, int to) {
    String text = new JsonObject().put("type", "doc_updates").put("file_id", FILE).put("version", (long) from)
        .put("updates", new JsonArray(log.subList(from, to))).encode();
    onLoop(() -> channel.deliver(DocumentChannel.Incoming.parse(text)));
  }

  private List<String> types() {
    return sent.stream().map(m -> m.getString("type")).toList();
  }

  private List<Long> versionsSent() {
    return sent.stream().filter(m -> "doc_updates".equals(m.getString("type"))).map(m -> m.getLong("version"))
        .toList();
  }

  /** Every update sent, in order, after checking each message starts where the previous ended. */
  private List<Object> updatesSent() {
    List<Object> out = new ArrayList<>();
    long expected = -1;
    for (JsonObject m : sent) {
      if (m.getString("type").equals("doc_state")) {
        expected = m.getLong("version");
      } else if (m.getString("type").equals("doc_updates")) {
        assertThat(m.getLong("version")).as("the version of %s", m).isEqualTo(expected);
        assertThat(m.getJsonArray("updates")).as("the updates of %s", m).hasSize(1);
        expected += m.getJsonArray("updates").size();
        out.addAll(m.getJsonArray("updates").getList().stream()
            .map(u -> u instanceof JsonObject j ? j : new JsonObject((java.util.Map<String, Object>) u)).toList());
      }
    }
    return out;
  }

  /** Runs on one event-loop context, as the channel expects, and waits for it. */
  private void onLoop(Runnable action) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.runOnContext(v -> {
      try {
        action.run();
        done.complete(null);
      } catch (RuntimeException | AssertionError e) {
        done.completeExceptionally(e);
      }
    });
    done.orTimeout(5, TimeUnit.SECONDS).join();
  }

}

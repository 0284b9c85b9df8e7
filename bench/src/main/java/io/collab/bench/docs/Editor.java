package io.collab.bench.docs;

import io.collab.bench.common.Host;
import io.collab.bench.common.LongList;
import io.collab.bench.common.Pacing;
import io.collab.documents.ChangeSet;
import io.collab.documents.Update;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One editor: a workspace socket with one file open, driven like a CodeMirror view with {@code @codemirror/collab}.
 * It types small random edits, keeps at most one {@code doc_push} in flight (all of {@code sendableUpdates}, at its
 * synced version, which may be stale: the server rebases), and applies every update of a {@code doc_updates} with
 * {@code receiveUpdates} semantics ({@link CollabClient}), one update per call (each live message holds one). A push is over when its {@code doc_ack} has arrived and
 * the editor's version has reached the acknowledged one, i.e. its own updates came back and were confirmed; only then
 * is the next push sent (the collab example's "push again if sendableUpdates is not empty"). A refused push (the
 * service refuses a push that other clients' updates overtook, and may answer {@code unavailable}) is sent again,
 * re-mapped, as soon as the editor has received an update past the version it pushed at, or after 100 ms, whichever
 * comes first (the collab example retries after 100 ms). A gap in the versions is filled with {@code doc_pull}.
 *
 * <p>Touched only on its loop's thread. Records, per edit, when it was typed, when it was (last) pushed and which
 * version the server's log gave it; and per received update of another editor, its author, version and arrival.
 */
final class Editor {

  private static final long ACK_TIMEOUT_MS = 10_000;
  private static final long CONFIRM_TIMEOUT_MS = 2_000;
  private static final long RETRY_MS = 100;

  final int index;
  final int file;
  final int user;
  final Host host;
  final ClientLoop loop;
  final CollabClient client;
  private final RandomEdits edits;
  private final Window window;
  private final Progress progress;
  private final Vertx vertx;

  // per edit (index = the editor's edit ordinal): typed, first pushed, last pushed (the push that was accepted),
  // and the version the server's log gave it
  final LongList editAt = new LongList(256);
  final LongList firstPushAt = new LongList(256);
  final LongList pushAt = new LongList(256);
  final LongList confirmedVersion = new LongList(256);
  int editCount;

  long fileId;
  long openedVersion = -1;
  int reloads;
  int droppedEdits;  // unconfirmed edits a reopen dropped before ever pushing them (what a reloading client loses)
  int inDoubtEdits;  // unconfirmed edits a reopen dropped after pushing them: the log may or may not hold them
  WebSocket ws;
  boolean open;
  boolean ready;     // presence_state received
  boolean opened;    // doc_state received

  private long nextRef = 1;
  private long openRef = -1;
  private long pushRef = -1;
  private long pullRef = -1;
  private boolean pushing;
  private long pushSentAt;
  private long pushedVersion = -1;
  private long refusedAt = -1;       // the version of a refused push; retry once past it (or after RETRY_MS)
  private long retryTimer = -1;
  private long ackVersion = -1;
  private long ackTimer = -1;
  private long confirmTimer = -1;
  private Promise<Void> openPromise;

  Editor(int index, int file, int user, Host host, ClientLoop loop, Window window, Progress progress, long seed,
         int targetSize) {
    this.index = index;
    this.file = file;
    this.user = user;
    this.host = host;
    this.loop = loop;
    this.window = window;
    this.progress = progress;
    this.vertx = loop.context.owner();
    this.client = new CollabClient(clientId(index));
    this.edits = new RandomEdits(new SplittableRandom(seed), targetSize);
  }

  static String clientId(int index) {
    return "e" + index;
  }

  /** The client ID of the editor's state after its {@code reloads}-th reopen: {@code e<index>}, then e.g. {@code e7r1}. */
  static String clientId(int index, int reloads) {
    return reloads == 0 ? clientId(index) : "e" + index + "r" + reloads;
  }

  /** The editor index of a clientID of this run ({@code e<index>} or {@code e<index>r<reload>}), or -1. */
  static int authorOf(String clientId) {
    if (clientId.length() < 2 || clientId.length() > 20 || clientId.charAt(0) != 'e') {
      return -1;
    }
    int n = 0;
    int i = 1;
    for (; i < clientId.length() && clientId.charAt(i) != 'r'; i++) {
      char c = clientId.charAt(i);
      if (c < '0' || c > '9' || i > 9) {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return i == 1 ? -1 : n;
  }

  // ---- connecting ---------------------------------------------------------------------------------------------

  /** On the loop: handshake, presence_state, doc_open, doc_state; {@code done} completes then, or fails (30 s). */
  void connect(WebSocketClient wsClient, long workspaceId, String token, Promise<Void> done) {
    openPromise = done;
    long timer = vertx.setTimer(30_000, t -> done.tryFail("no doc_state within 30 s (presence_state "
        + (ready ? "received" : "missing") + ")"));
    done.future().onComplete(r -> vertx.cancelTimer(timer));
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost(host.host()).setPort(host.port())
        .setURI("/ws/workspaces/" + workspaceId + "/?token=" + token);
    wsClient.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        Throwable err = ar.cause();
        done.tryFail(err instanceof UpgradeRejectedException rejected ? "handshake " + rejected.getStatus()
            : err.getClass().getSimpleName() + ": " + err.getMessage());
        return;
      }
      ws = ar.result();
      open = true;
      ws.textMessageHandler(this::onText);
      ws.exceptionHandler(err -> loop.count(loop.errors, (window.closing ? "while closing: " : "")
          + "socket exception: " + err.getClass().getSimpleName()));
      ws.closeHandler(v -> {
        open = false;
        if (!window.closing) {
          Short code = ws.closeStatusCode();
          loop.count(loop.closes, (code == null ? "none" : code.toString())
              + (ws.closeReason() == null ? "" : " " + ws.closeReason()));
        }
        done.tryFail("closed before doc_state");
      });
    });
  }

  private long send(String event, JsonObject payload) {
    long ref = nextRef++;
    ws.writeTextMessage(new JsonObject().put("event", event).put("payload", payload).put("ref", ref).encode());
    return ref;
  }

  private void openDocument() {
    if (!open) {
      return;
    }
    opened = false;
    pullRef = -1;
    openRef = send("doc_open", new JsonObject().put("file_id", fileId));
  }

  // ---- typing and pushing -------------------------------------------------------------------------------------

  /** On the loop: types one edit every [0.5, 1.5] x period until the window's typing flag is cleared. */
  void startTyping(long periodNanos, SplittableRandom random) {
    vertx.setTimer(Pacing.firstDelayMillis(periodNanos, random.nextDouble()), id -> type(periodNanos, random));
  }

  private void type(long periodNanos, SplittableRandom random) {
    if (!window.typing || !open) {
      return;
    }
    if (opened) {
      long now = System.nanoTime();
      ChangeSet change = edits.next(client.text());
      int edit = editCount++;
      editAt.set(edit, now);
      client.local(change, edit);
      loop.edits++;
      progress.edits.increment();
      if (window.contains(now)) {
        loop.editsMeasured++;
      }
      maybePush();
    }
    vertx.setTimer(Pacing.gapMillis(periodNanos, random.nextDouble()), id -> type(periodNanos, random));
  }

  private void maybePush() {
    List<CollabClient.Pending> sendable = client.sendable();
    if (!open || !opened || pushing || sendable.isEmpty() || refusedAt >= 0 && client.version() <= refusedAt) {
      return;
    }
    refusedAt = -1;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
    long now = System.nanoTime();
    JsonArray updates = new JsonArray();
    for (CollabClient.Pending p : sendable) {
      updates.add(p.update().toJson());
      if (pushAt.size() > p.edit() && pushAt.get(p.edit()) != 0) {
        loop.resentUpdates++;
      } else {
        firstPushAt.set(p.edit(), now);
      }
      pushAt.set(p.edit(), now);
    }
    pushing = true;
    pushSentAt = now;
    pushedVersion = client.version();
    ackVersion = -1;
    pushRef = send("doc_push", new JsonObject().put("file_id", fileId).put("version", client.version())
        .put("updates", updates));
    loop.pushes++;
    progress.pushes.increment();
    if (window.contains(now)) {
      loop.pushesMeasured++;
      loop.updatesPushedMeasured += sendable.size();
    }
    ackTimer = vertx.setTimer(ACK_TIMEOUT_MS, id -> {
      ackTimer = -1;
      if (pushing && ackVersion < 0) {
        loop.ackTimeouts++;
        endPush();
      }
    });
  }

  private void onAck(long version) {
    long now = System.nanoTime();
    cancelTimers();
    loop.acks++;
    progress.acks.increment();
    progress.ackNanos.add(now - pushSentAt);
    progress.ackMax.accumulate(now - pushSentAt);
    if (window.contains(pushSentAt)) {
      loop.acksMeasured++;
      loop.ackLatency.add(now - pushSentAt);
    }
    ackVersion = version;
    if (client.version() >= ackVersion) {
      endPush();
    } else {
      confirmTimer = vertx.setTimer(CONFIRM_TIMEOUT_MS, id -> {
        confirmTimer = -1;
        if (pushing && client.version() < ackVersion && pullRef < 0) {
          pull();
        }
      });
    }
  }

  private void endPush() {
    cancelTimers();
    pushing = false;
    pushRef = -1;
    ackVersion = -1;
    maybePush();
  }

  private void cancelTimers() {
    if (ackTimer >= 0) {
      vertx.cancelTimer(ackTimer);
      ackTimer = -1;
    }
    if (confirmTimer >= 0) {
      vertx.cancelTimer(confirmTimer);
      confirmTimer = -1;
    }
  }

  private void pull() {
    loop.pulls++;
    pullRef = send("doc_pull", new JsonObject().put("file_id", fileId).put("version", client.version()));
  }

  /** No push in flight, nothing unconfirmed, no pull outstanding (main thread asks through the loop). */
  boolean settled() {
    return opened && !pushing && pullRef < 0 && retryTimer < 0 && client.sendable().isEmpty();
  }

  /** Asks the server for anything after this editor's version (used when it lags behind the file at the end). */
  void catchUp() {
    if (open && opened && pullRef < 0) {
      pull();
    }
  }

  // ---- server messages ----------------------------------------------------------------------------------------

  private void onText(String text) {
    long now = System.nanoTime();
    JsonObject m;
    try {
      m = new JsonObject(text);
    } catch (RuntimeException e) {
      loop.count(loop.errors, "unparseable server message");
      return;
    }
    Object refValue = m.getValue("ref");
    long ref = refValue instanceof Number n ? n.longValue() : -1;
    String type = m.getString("type", "");
    switch (type) {
      case "presence_state" -> {
        if (!ready) {
          ready = true;
          openDocument();
        }
      }
      case "doc_state" -> {
        if (ref == openRef) {
          openRef = -1;
          if (openedVersion >= 0) {
            reloads++;
            for (CollabClient.Pending p : client.sendable()) {
              // never pushed: surely lost; pushed but unconfirmed: the server may have accepted it (in doubt)
              if (pushAt.size() > p.edit() && pushAt.get(p.edit()) != 0) {
                inDoubtEdits++;
              } else {
                droppedEdits++;
              }
            }
            cancelTimers();
            pushing = false;
            pushRef = -1;
            ackVersion = -1;
            refusedAt = -1;
          } else {
            openedVersion = m.getLong("version");
          }
          client.reset(m.getLong("version"), m.getString("content"), clientId(index, reloads));
          opened = true;
          openPromise.tryComplete();
        }
      }
      case "doc_ack" -> {
        if (ref == pushRef && pushing) {
          onAck(m.getLong("version"));
        } else {
          loop.count(loop.errors, "doc_ack for no push in flight");
        }
      }
      case "doc_updates" -> onUpdates(m, ref >= 0 && ref == pullRef, now);
      case "error" -> onError(m, ref);
      case "broadcast" -> loop.broadcasts++;
      default -> loop.count(loop.errors, "unexpected message type " + type);
    }
  }

  private void onUpdates(JsonObject m, boolean pullReply, long now) {
    if (pullReply) {
      pullRef = -1;
    }
    if (!opened) {
      return;  // a doc_state is on its way; it includes these
    }
    long from = m.getLong("version");
    JsonArray list = m.getJsonArray("updates");
    long version = client.version();
    if (from > version) {
      loop.gaps++;
      if (pullRef < 0) {
        pull();
      }
      return;
    }
    int skip = (int) Math.min(list.size(), version - from);
    loop.duplicates += skip;
    if (skip == list.size()) {
      return;
    }
    List<Update> updates = new ArrayList<>(list.size() - skip);
    for (int i = skip; i < list.size(); i++) {
      Update update = Update.fromJson(list.getJsonObject(i));
      updates.add(update);
      int author = authorOf(update.clientId());
      if (author < 0) {
        loop.foreignUpdates++;
      } else if (author != index) {
        loop.receivedAuthor.add(author);
        loop.receivedVersion.add(version + updates.size());
        loop.receivedAt.add(now);
        progress.received.increment();
      }
    }
    if (list.size() > 1 && !pullReply) {
      loop.multiUpdateMessages++;
    }
    // one receiveUpdates per update: the server rebases a stale push over the accepted updates one at a time, and an
    // editor maps its pending updates the same way only if it is given them one at a time (the socket sends each
    // update in a message of its own; a pull reply holds several)
    for (Update update : updates) {
      client.receive(List.of(update), (edit, v) -> confirmedVersion.set(edit, v));
    }
    if (pushing && ackVersion >= 0 && client.version() >= ackVersion) {
      endPush();
    } else if (!pushing && refusedAt >= 0) {
      maybePush();
    }
  }

  private void onError(JsonObject m, long ref) {
    String code = m.getString("error", "?");
    boolean fileClosed = ref < 0 && m.getValue("file_id") != null;
    loop.count(loop.errors, "error " + code + (ref < 0 ? (fileClosed ? " (file closed by the server)" : "")
        : ref == pushRef ? " (push)" : ref == pullRef ? " (pull)" : ref == openRef ? " (open)" : "")
        + ": " + m.getString("detail"));
    if (fileClosed) {
      // the socket closed the file (a gap it could not fill: doc_reload, or the service did not answer): a client
      // opens it again, dropping what it had not had confirmed
      loop.filesClosedByServer++;
      openDocument();
    } else if (ref >= 0 && ref == pushRef) {
      cancelTimers();
      pushing = false;
      pushRef = -1;
      loop.refusedPushes++;
      if ("doc_reload".equals(code)) {
        openDocument();
      } else {
        // overtaken (or the service was busy): push again, re-mapped, once past the pushed version or after 100 ms
        refusedAt = pushedVersion;
        retryTimer = vertx.setTimer(RETRY_MS, id -> {
          retryTimer = -1;
          refusedAt = -1;
          maybePush();
        });
        maybePush();
      }
    } else if (ref >= 0 && ref == pullRef) {
      pullRef = -1;
      if ("doc_reload".equals(code)) {
        openDocument();
      }
    } else if (ref >= 0 && ref == openRef) {
      if (openedVersion < 0) {
        openPromise.tryFail("doc_open refused: " + code);
      } else {
        vertx.setTimer(500, id -> openDocument());   // a reopen the service did not answer: try again
      }
    }
  }
}

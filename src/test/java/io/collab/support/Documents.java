package io.collab.support;

import io.collab.documents.ChangeSet;
import io.collab.documents.Update;
import io.collab.support.Actors.Actor;
import io.collab.support.Sockets.Client;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workspace files and the socket editing protocol, as a test speaks them: files made and read over REST, and the
 * {@code doc_*} events on a {@link Client}. Nothing is asserted here except the shape of the protocol itself (every
 * run of doc_updates is contiguous), so tests read their own expectations.
 */
public final class Documents {

  private Documents() {}

  // ---- REST --------------------------------------------------------------------------------------------------------

  public static String files(long workspaceId) {
    return Actors.WORKSPACES + workspaceId + "/files/";
  }

  public static String file(long workspaceId, long fileId) {
    return files(workspaceId) + fileId + "/";
  }

  /** Creates a file over REST; returns its id. */
  public static long create(Actors actors, Actor actor, long workspaceId, String path, String content) {
    return Actors.expect(actors.post(actor, files(workspaceId), new JsonObject().put("path", path)
        .put("content", content)), 201).getLong("id");
  }

  /** A new file with a unique path. */
  public static long create(Actors actors, Actor actor, long workspaceId, String content) {
    return create(actors, actor, workspaceId, "f-" + UUID.randomUUID().toString().substring(0, 8) + ".txt", content);
  }

  /** The file over REST, with its content and version. */
  public static JsonObject get(Actors actors, Actor actor, long workspaceId, long fileId) {
    return Actors.expect(actors.get(actor, file(workspaceId, fileId)), 200);
  }

  // ---- the socket protocol ---------------------------------------------------------------------------------------

  public static JsonObject update(String clientId, ChangeSet changes) {
    return new Update(clientId, changes).toJson();
  }

  /** An update inserting {@code text} at {@code at} into a document of {@code length} units. */
  public static JsonObject insert(String clientId, int length, int at, String text) {
    return update(clientId, ChangeSet.of(length, at, at, text));
  }

  /** Sends doc_open and returns the doc_state. */
  public static JsonObject open(Client client, long fileId) {
    String ref = "open-" + UUID.randomUUID();
    client.send("doc_open", new JsonObject().put("file_id", fileId), ref);
    return reply(client, ref);
  }

  /** Sends doc_push and returns its doc_ack or error. */
  public static JsonObject push(Client client, long fileId, long version, JsonObject... updates) {
    String ref = "push-" + UUID.randomUUID();
    client.send("doc_push", new JsonObject().put("file_id", fileId).put("version", version)
        .put("updates", new JsonArray(List.of((Object[]) updates))), ref);
    return reply(client, ref);
  }

  /** Sends doc_pull and returns its doc_updates or error. */
  public static JsonObject pull(Client client, long fileId, long version) {
    String ref = "pull-" + UUID.randomUUID();
    client.send("doc_pull", new JsonObject().put("file_id", fileId).put("version", version), ref);
    return reply(client, ref);
  }

  /**
   * Live doc_updates that arrived while a test waited for a reply, per client: the reply to a push often comes after
   * updates published by others, and {@link #updates} must still see those.
   */
  private static final Map<Client, List<JsonObject>> SET_ASIDE = Collections.synchronizedMap(new WeakHashMap<>());

  /** The next message answering {@code ref} (its reply or error); live doc_updates before it are set aside. */
  public static JsonObject reply(Client client, Object ref) {
    List<JsonObject> seen = client.upTo("the answer to " + ref, m -> ref.equals(m.getValue("ref")));
    for (JsonObject message : seen.subList(0, seen.size() - 1)) {
      if ("doc_updates".equals(message.getString("type")) && message.getValue("ref") == null) {
        SET_ASIDE.computeIfAbsent(client, c -> new ArrayList<>()).add(message);
      }
    }
    return seen.get(seen.size() - 1);
  }

  /** The next live doc_updates of the file: first those set aside, then from the socket. */
  private static JsonObject nextUpdates(Client client, long fileId, long version) {
    List<JsonObject> aside = SET_ASIDE.getOrDefault(client, List.of());
    for (int i = 0; i < aside.size(); i++) {
      if (aside.get(i).getLong("file_id") == fileId) {
        return aside.remove(i);
      }
    }
    return client.await("doc_updates of file " + fileId + " at version " + version, liveUpdates(fileId));
  }

  /** A live doc_updates of the file (not the answer to a pull). */
  public static Predicate<JsonObject> liveUpdates(long fileId) {
    return m -> "doc_updates".equals(m.getString("type")) && m.getValue("ref") == null
        && m.getLong("file_id") == fileId;
  }

  /**
   * The live updates of {@code fileId} the client receives from {@code from} until the file reaches {@code until},
   * checking that each message starts where the previous ended; other messages are skipped.
   */
  public static List<JsonObject> updates(Client client, long fileId, long from, long until) {
    List<JsonObject> out = new ArrayList<>();
    long version = from;
    while (version < until) {
      JsonObject message = nextUpdates(client, fileId, version);
      assertThat(message.getLong("version")).as("the version of %s", message).isEqualTo(version);
      for (Object update : message.getJsonArray("updates")) {
        out.add((JsonObject) update);
      }
      version += message.getJsonArray("updates").size();
    }
    return out;
  }

  /** Live doc_updates of the file received within {@code window} (expected: none). */
  public static List<JsonObject> liveUpdatesWithin(Client client, long fileId, Duration window) {
    List<JsonObject> out = new ArrayList<>(SET_ASIDE.getOrDefault(client, List.of()).stream()
        .filter(liveUpdates(fileId)).toList());
    SET_ASIDE.getOrDefault(client, new ArrayList<>()).removeIf(liveUpdates(fileId));
    out.addAll(client.drain(window).stream().filter(liveUpdates(fileId)).toList());
    return out;
  }

  /** The text after applying {@code updates}, in order, to {@code text}. */
  public static String apply(String text, List<?> updates) {
    String out = text;
    for (Object update : updates) {
      @SuppressWarnings("unchecked")
      JsonObject json = update instanceof JsonObject j ? j : new JsonObject((java.util.Map<String, Object>) update);
      out = Update.fromJson(json).changes().apply(out);
    }
    return out;
  }
}

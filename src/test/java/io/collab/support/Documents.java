package io.collab.support;

import io.collab.documents.ChangeSet;
import io.collab.documents.Update;
import io.collab.support.Actors.Actor;
import io.collab.support.Sockets.Client;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
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

  /** The next message answering {@code ref} (its reply or error), skipping anything else. */
  public static JsonObject reply(Client client, Object ref) {
    return client.await("the answer to " + ref, m -> ref.equals(m.getValue("ref")));
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
      JsonObject message = client.await("doc_updates of file " + fileId + " at version " + version,
          liveUpdates(fileId));
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
    return client.drain(window).stream().filter(liveUpdates(fileId)).toList();
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

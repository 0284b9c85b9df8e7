package io.collab.workspace;

import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.collab.documents.DocumentEvents;
import io.collab.documents.DocumentText;
import io.collab.realtime.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The {@code /api/projects/workspaces/{id}/files/} operations of the contract. Writes that change what open editors
 * hold (replace, rename, delete) are published to them through {@link DocumentEvents} once they committed.
 *
 * <p>Why here, in {@code workspace}, and not in {@code documents}: these are REST resources of a workspace, answered
 * the way the other workspace resources are ({@link Resources}: validated bodies, error mapping, field errors); the
 * {@code documents} package holds the editing model, which knows nothing of HTTP.
 */
public final class FileRoutes {

  private static final Logger log = LoggerFactory.getLogger(FileRoutes.class);
  /** What a list item shows: no content, no creation time (GET one file for those). */
  private static final String[] SUMMARY = {"id", "path", "size", "version", "updated_at", "updated_by"};

  private final BusClient bus;
  private final DocumentEvents editors;

  public FileRoutes(BusClient bus, DocumentEvents editors) {
    this.bus = bus;
    this.editors = editors;
  }

  public void install(RouterBuilder routes) {
    routes.getRoute("listFiles").addHandler(this::list);
    routes.getRoute("createFile").addHandler(this::create);
    routes.getRoute("getFile").addHandler(this::get);
    routes.getRoute("replaceFile").addHandler(this::replace);
    routes.getRoute("renameFile").addHandler(this::rename);
    routes.getRoute("deleteFile").addHandler(this::delete);
  }

  private void list(RoutingContext ctx) {
    bus.request(Bus.FILES_LIST, inWorkspace(ctx))
        .onSuccess(result -> {
          JsonArray items = new JsonArray();
          result.getJsonArray("items").forEach(item -> items.add(summary((JsonObject) item)));
          ctx.response().putHeader("content-type", "application/json").end(items.encode());
        })
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Resources.body(ctx);
    String content = body.getString("content", "");
    if (refusesPath(ctx, body.getString("path")) || refusesContent(ctx, content)) {
      return;
    }
    bus.request(Bus.FILES_CREATE, inWorkspace(ctx).put("path", body.getString("path")).put("content", content))
        .onSuccess(file -> send(ctx, 201, file))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void get(RoutingContext ctx) {
    bus.request(Bus.FILES_GET, aFile(ctx))
        .onSuccess(file -> send(ctx, 200, file))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  /** PUT: the whole text, as one update from client "rest" that editors receive as a doc_updates. */
  private void replace(RoutingContext ctx) {
    String content = Resources.body(ctx).getString("content");
    if (refusesContent(ctx, content)) {
      return;
    }
    bus.request(Bus.FILES_REPLACE, aFile(ctx).put("content", content).put("if_match", ifMatch(ctx)))
        .onSuccess(replaced -> {
          JsonObject file = replaced.getJsonObject("file");
          JsonObject update = replaced.getJsonObject("update");
          long version = ((Number) update.remove("version")).longValue();
          tellEditors(file.getLong("workspace_id"),
              Protocol.liveDocUpdates(file.getLong("id"), version, new JsonArray().add(update)));
          send(ctx, 200, file);
        })
        .onFailure(err -> Resources.fail(ctx, err));
  }

  /** PATCH: a new path; editors receive doc_renamed. */
  private void rename(RoutingContext ctx) {
    String path = Resources.body(ctx).getString("path");
    if (refusesPath(ctx, path)) {
      return;
    }
    bus.request(Bus.FILES_RENAME, aFile(ctx).put("path", path).put("if_match", ifMatch(ctx)))
        .onSuccess(file -> {
          tellEditors(file.getLong("workspace_id"), Protocol.docRenamed(file.getLong("id"), file.getString("path")));
          send(ctx, 200, file);
        })
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void delete(RoutingContext ctx) {
    long workspaceId = Resources.pathLong(ctx, "id");
    long fileId = Resources.pathLong(ctx, "file_id");
    bus.request(Bus.FILES_DELETE, aFile(ctx).put("if_match", ifMatch(ctx)))
        .onSuccess(done -> {
          tellEditors(workspaceId, Protocol.docDeleted(fileId));
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(err -> Resources.fail(ctx, err));
  }

  /**
   * The change is committed whatever happens here: a message that does not reach Redis is logged, not answered as a
   * failure; editors that miss it catch up with doc_pull (or fail their next push with not_found after a delete).
   */
  private void tellEditors(long workspaceId, JsonObject message) {
    editors.publish(workspaceId, message).onFailure(err -> log.warn("{} of file {} in workspace {} not published to "
        + "open editors: {}", message.getString("type"), message.getLong("file_id"), workspaceId, err.toString()));
  }

  // ---- input ----------------------------------------------------------------------------------------------------

  private static JsonObject inWorkspace(RoutingContext ctx) {
    return Resources.actor(ctx).put("workspace_id", Resources.pathLong(ctx, "id"));
  }

  private static JsonObject aFile(RoutingContext ctx) {
    return inWorkspace(ctx).put("id", Resources.pathLong(ctx, "file_id"));
  }

  /** Answers 400 with {@code fields.path} and returns true when the path breaks {@link FilePaths}' rule. */
  private static boolean refusesPath(RoutingContext ctx, String path) {
    String problem = FilePaths.problem(path);
    if (problem == null) {
      return false;
    }
    Resources.validationFailed(ctx, Map.of("path", problem));
    return true;
  }

  private static boolean refusesContent(RoutingContext ctx, String content) {
    String problem = content == null ? "content is required" : DocumentText.unstorable(content);
    if (problem == null) {
      return false;
    }
    Resources.validationFailed(ctx, Map.of("content", problem));
    return true;
  }

  /** The version an {@code If-Match} header names, in the files' ETag form {@code "<version>"}. */
  static Long ifMatch(RoutingContext ctx) {
    return Resources.ifMatch(ctx, "");
  }

  // ---- output ---------------------------------------------------------------------------------------------------

  /** The file as the API shows it, with {@code ETag: "<version>"}; the workspace is in the URL, not the body. */
  private static void send(RoutingContext ctx, int status, JsonObject file) {
    file.remove("workspace_id");
    ctx.response().setStatusCode(status)
        .putHeader("ETag", "\"" + file.getLong("version") + "\"")
        .putHeader("content-type", "application/json")
        .end(file.encode());
  }

  private static JsonObject summary(JsonObject file) {
    JsonObject out = new JsonObject();
    for (String key : SUMMARY) {
      out.put(key, file.getValue(key));
    }
    return out;
  }
}

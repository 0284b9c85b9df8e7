package io.collab.workspace;

import io.collab.auth.Principal;
import io.collab.common.ApiError;
import io.collab.common.BusClient;
import io.collab.common.BusFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.ValidatedRequest;

import java.util.Map;

/** What the project and workspace routes share: reading validated input, ETags, paging and error mapping. */
final class Resources {

  /** A page request: items after {@code after}, at most {@code limit}. */
  record Page(long after, int limit, boolean explicitLimit) {}

  private Resources() {}

  static JsonObject body(RoutingContext ctx) {
    ValidatedRequest request = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    return request.getBody() == null || request.getBody().isEmpty() ? new JsonObject() : request.getBody().getJsonObject();
  }

  static long pathLong(RoutingContext ctx, String name) {
    ValidatedRequest request = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    return request.getPathParameters().get(name).getLong();
  }

  /** The version an {@code If-Match} header names, in this service's ETag form {@code "v<version>"}. */
  static Long ifMatch(RoutingContext ctx) {
    return ifMatch(ctx, "v");
  }

  /**
   * The version an {@code If-Match} header names, in the ETag form {@code "<prefix><version>"}: absent or {@code *}
   * means "any" (null); an ETag this service did not issue can never match (-1).
   */
  static Long ifMatch(RoutingContext ctx, String prefix) {
    String header = ctx.request().getHeader("If-Match");
    if (header == null || header.isBlank() || header.trim().equals("*")) {
      return null;
    }
    String tag = header.trim();
    if (tag.startsWith("W/")) {
      tag = tag.substring(2);
    }
    String open = "\"" + prefix;
    if (tag.length() > open.length() + 1 && tag.startsWith(open) && tag.endsWith("\"")) {
      try {
        return Long.parseLong(tag.substring(open.length(), tag.length() - 1));
      } catch (NumberFormatException ignored) {
        // falls through: not one of ours
      }
    }
    return -1L;
  }

  /** Answers with the resource, its {@code version} moved into the {@code ETag} header. */
  static void send(RoutingContext ctx, int status, JsonObject resource) {
    Long version = (Long) resource.remove("version");
    if (version != null) {
      ctx.response().putHeader("ETag", etag(version));
    }
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(resource.encode());
  }

  static String etag(long version) {
    return "\"v" + version + "\"";
  }

  /** Reads {@code limit} and {@code cursor}; null (after answering 400) when the cursor is not one of ours. */
  static Page page(RoutingContext ctx, int maxPageSize) {
    ValidatedRequest request = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    var limit = request.getQuery().get("limit");
    var cursor = request.getQuery().get("cursor");
    long after = 0;
    if (cursor != null && !cursor.isNull()) {
      try {
        after = Long.parseLong(cursor.getString());
      } catch (NumberFormatException e) {
        validationFailed(ctx, Map.of("cursor", "not a cursor this service issued"));
        return null;
      }
    }
    boolean explicit = limit != null && !limit.isNull();
    int size = explicit ? Math.min(limit.getInteger(), maxPageSize) : maxPageSize;
    return new Page(after, size, explicit);
  }

  /** Answers with the page's items as a plain array, and a {@code Link} to the next page when there is one. */
  static void sendPage(RoutingContext ctx, Page page, JsonObject result) {
    JsonArray items = result.getJsonArray("items");
    for (Object item : items) {
      ((JsonObject) item).remove("version");
    }
    if (result.getBoolean("more", false) && !items.isEmpty()) {
      long last = items.getJsonObject(items.size() - 1).getLong("id");
      ctx.response().putHeader("Link",
          "<" + ctx.request().path() + "?limit=" + page.limit() + "&cursor=" + last + ">; rel=\"next\"");
    }
    ctx.response().putHeader("content-type", "application/json").end(items.encode());
  }

  /** PostgreSQL text cannot hold U+0000: refuse it up front rather than fail at the database. */
  static Map<String, String> nulCharacters(JsonObject body, String... fields) {
    for (String field : fields) {
      Object value = body.getValue(field);
      if (value instanceof String text && text.indexOf('\0') >= 0) {
        return Map.of(field, "must not contain the NUL character");
      }
    }
    return Map.of();
  }

  static void validationFailed(RoutingContext ctx, Map<String, String> fields) {
    JsonObject body = ApiError.body("validation_failed", "the request has invalid fields");
    JsonObject why = new JsonObject();
    fields.forEach(why::put);
    ApiError.send(ctx, 400, body.put("fields", why));
  }

  /** The caller, as persistence requests name it. */
  static JsonObject actor(RoutingContext ctx) {
    return new JsonObject().put("actor", Principal.of(ctx).id());
  }

  /** A paged list operation: the caller's items after the cursor, as a plain array with a {@code Link} to more. */
  static void list(RoutingContext ctx, BusClient bus, String address, int maxPageSize) {
    Page page = page(ctx, maxPageSize);
    if (page == null) {
      return;
    }
    bus.request(address, actor(ctx).put("after", page.after()).put("limit", page.limit()))
        .onSuccess(result -> sendPage(ctx, page, result))
        .onFailure(err -> fail(ctx, err));
  }

  /** Answers 400 and returns true when one of {@code fields} holds a NUL character. */
  static boolean refusesNul(RoutingContext ctx, JsonObject body, String... fields) {
    Map<String, String> problems = nulCharacters(body, fields);
    if (problems.isEmpty()) {
      return false;
    }
    validationFailed(ctx, problems);
    return true;
  }

  /** Membership refusals name a field: they become {@code validation_failed}; the rest keep their status. */
  static void fail(RoutingContext ctx, Throwable err) {
    BusFailure failure = BusFailure.from(err);
    switch (failure.code()) {
      case "unknown_user" -> validationFailed(ctx, Map.of(failure.getMessage(), "no such user"));
      case "duplicate_user" -> validationFailed(ctx, Map.of(failure.getMessage(), "a user may hold only one role"));
      default -> ApiError.fail(ctx, err);
    }
  }
}

package io.collab.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The authenticated caller of a request, as the database knows it right now. */
public record Principal(long id, String email, String username) {

  private static final String KEY = "collab.principal";

  public static Principal of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  void attachTo(RoutingContext ctx) {
    ctx.put(KEY, this);
  }

  static Principal fromJson(JsonObject user) {
    return new Principal(user.getLong("id"), user.getString("email"), user.getString("username"));
  }

  /** The seed's user shape: {@code {"id", "email", "username"}}. */
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("email", email).put("username", username);
  }
}

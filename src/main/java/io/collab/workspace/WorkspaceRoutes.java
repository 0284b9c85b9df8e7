package io.collab.workspace;

import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

import java.util.Map;

/** The {@code /api/projects/workspaces/} operations of the contract, members included. */
public final class WorkspaceRoutes {

  private static final String[] ROLE_ARRAYS = {"owners", "collaborators", "viewers"};

  private final BusClient bus;
  private final int maxPageSize;

  public WorkspaceRoutes(BusClient bus, int maxPageSize) {
    this.bus = bus;
    this.maxPageSize = maxPageSize;
  }

  public void install(RouterBuilder routes) {
    routes.getRoute("listWorkspaces").addHandler(this::list);
    routes.getRoute("createWorkspace").addHandler(this::create);
    routes.getRoute("getWorkspace").addHandler(this::get);
    routes.getRoute("replaceWorkspace").addHandler(this::change);
    routes.getRoute("updateWorkspace").addHandler(this::change);
    routes.getRoute("deleteWorkspace").addHandler(this::delete);
    routes.getRoute("listMembers").addHandler(this::listMembers);
    routes.getRoute("addMember").addHandler(this::addMember);
    routes.getRoute("changeMemberRole").addHandler(this::changeMember);
    routes.getRoute("removeMember").addHandler(this::removeMember);
  }

  private void list(RoutingContext ctx) {
    Resources.list(ctx, bus, Bus.WORKSPACES_LIST, maxPageSize);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Resources.body(ctx);
    if (Resources.refusesNul(ctx, body, "name", "email")) {
      return;
    }
    JsonObject request = withRoleArrays(Resources.actor(ctx), body)
        .put("project", body.getLong("project")).put("name", body.getString("name"));
    bus.request(Bus.WORKSPACES_CREATE, request)
        .onSuccess(workspace -> Resources.send(ctx, 201, workspace))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void get(RoutingContext ctx) {
    bus.request(Bus.WORKSPACES_GET, Resources.actor(ctx).put("id", Resources.pathLong(ctx, "id")))
        .onSuccess(workspace -> Resources.send(ctx, 200, workspace))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  /** PUT and PATCH alike: the name when given, role arrays when given; {@code project} never moves. */
  private void change(RoutingContext ctx) {
    JsonObject body = Resources.body(ctx);
    if (Resources.refusesNul(ctx, body, "name", "email")) {
      return;
    }
    JsonObject request = withRoleArrays(Resources.actor(ctx), body)
        .put("id", Resources.pathLong(ctx, "id"))
        .put("if_match", Resources.ifMatch(ctx))
        .put("name", body.getString("name"));
    bus.request(Bus.WORKSPACES_UPDATE, request)
        .onSuccess(workspace -> Resources.send(ctx, 200, workspace))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void delete(RoutingContext ctx) {
    bus.request(Bus.WORKSPACES_DELETE, Resources.actor(ctx)
            .put("id", Resources.pathLong(ctx, "id")).put("if_match", Resources.ifMatch(ctx)))
        .onSuccess(done -> ctx.response().setStatusCode(204).end())
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void listMembers(RoutingContext ctx) {
    bus.request(Bus.MEMBERS_LIST, Resources.actor(ctx).put("id", Resources.pathLong(ctx, "id")))
        .onSuccess(result -> ctx.response().putHeader("content-type", "application/json")
            .end(result.getJsonArray("items").encode()))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void addMember(RoutingContext ctx) {
    JsonObject body = Resources.body(ctx);
    if (!body.containsKey("email") && !body.containsKey("user_id")) {
      Resources.validationFailed(ctx, Map.of("email", "give the user's email or user_id"));
      return;
    }
    if (Resources.refusesNul(ctx, body, "name", "email")) {
      return;
    }
    JsonObject request = Resources.actor(ctx).put("id", Resources.pathLong(ctx, "id")).put("role", body.getString("role"));
    if (body.containsKey("user_id")) {
      request.put("user_id", body.getLong("user_id"));
    } else {
      request.put("email", body.getString("email"));
    }
    bus.request(Bus.MEMBERS_ADD, request)
        .onSuccess(member -> Resources.send(ctx, 201, member))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void changeMember(RoutingContext ctx) {
    bus.request(Bus.MEMBERS_CHANGE, Resources.actor(ctx)
            .put("id", Resources.pathLong(ctx, "id"))
            .put("user_id", Resources.pathLong(ctx, "user_id"))
            .put("role", Resources.body(ctx).getString("role")))
        .onSuccess(member -> Resources.send(ctx, 200, member))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void removeMember(RoutingContext ctx) {
    bus.request(Bus.MEMBERS_REMOVE, Resources.actor(ctx)
            .put("id", Resources.pathLong(ctx, "id"))
            .put("user_id", Resources.pathLong(ctx, "user_id")))
        .onSuccess(done -> ctx.response().setStatusCode(204).end())
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private static JsonObject withRoleArrays(JsonObject request, JsonObject body) {
    for (String array : ROLE_ARRAYS) {
      if (body.getValue(array) != null) {
        request.put(array, body.getJsonArray(array));
      }
    }
    return request;
  }
}

package io.collab.workspace;

import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

/** The {@code /api/projects/projects/} operations of the contract. */
public final class ProjectRoutes {

  private final BusClient bus;
  private final int maxPageSize;

  public ProjectRoutes(BusClient bus, int maxPageSize) {
    this.bus = bus;
    this.maxPageSize = maxPageSize;
  }

  public void install(RouterBuilder routes) {
    routes.getRoute("listProjects").addHandler(this::list);
    routes.getRoute("createProject").addHandler(this::create);
    routes.getRoute("getProject").addHandler(this::get);
    routes.getRoute("replaceProject").addHandler(this::replace);
    routes.getRoute("updateProject").addHandler(this::update);
    routes.getRoute("deleteProject").addHandler(this::delete);
  }

  private void list(RoutingContext ctx) {
    Resources.list(ctx, bus, Bus.PROJECTS_LIST, maxPageSize);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Resources.body(ctx);
    if (Resources.refusesNul(ctx, body, "name", "description")) {
      return;
    }
    bus.request(Bus.PROJECTS_CREATE, Resources.actor(ctx)
            .put("name", body.getString("name")).put("description", body.getString("description", "")))
        .onSuccess(project -> Resources.send(ctx, 201, project))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void get(RoutingContext ctx) {
    bus.request(Bus.PROJECTS_GET, Resources.actor(ctx).put("id", Resources.pathLong(ctx, "id")))
        .onSuccess(project -> Resources.send(ctx, 200, project))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  /** PUT: the whole writable state; a description left out becomes empty, as a full replacement does. */
  private void replace(RoutingContext ctx) {
    JsonObject body = Resources.body(ctx);
    change(ctx, body, new JsonObject().put("name", body.getString("name"))
        .put("description", body.getString("description", "")));
  }

  private void update(RoutingContext ctx) {
    JsonObject body = Resources.body(ctx);
    JsonObject fields = new JsonObject();
    if (body.containsKey("name")) {
      fields.put("name", body.getString("name"));
    }
    if (body.containsKey("description")) {
      fields.put("description", body.getString("description"));
    }
    change(ctx, body, fields);
  }

  private void change(RoutingContext ctx, JsonObject body, JsonObject fields) {
    if (Resources.refusesNul(ctx, body, "name", "description")) {
      return;
    }
    bus.request(Bus.PROJECTS_UPDATE, Resources.actor(ctx).mergeIn(fields)
            .put("id", Resources.pathLong(ctx, "id")).put("if_match", Resources.ifMatch(ctx)))
        .onSuccess(project -> Resources.send(ctx, 200, project))
        .onFailure(err -> Resources.fail(ctx, err));
  }

  private void delete(RoutingContext ctx) {
    bus.request(Bus.PROJECTS_DELETE, Resources.actor(ctx)
            .put("id", Resources.pathLong(ctx, "id")).put("if_match", Resources.ifMatch(ctx)))
        .onSuccess(done -> ctx.response().setStatusCode(204).end())
        .onFailure(err -> Resources.fail(ctx, err));
  }
}

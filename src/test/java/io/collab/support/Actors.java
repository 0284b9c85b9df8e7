package io.collab.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;

import java.net.URI;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The people a test talks to the service as: each one is registered and logged in through the real identity endpoints
 * ({@code POST /api/auth/register/}, {@code POST /api/auth/login/}) and calls the API with its own bearer token.
 * Every call goes over real HTTP; nothing is asserted here but the success of the conveniences that say so, so a test
 * reads its own expectations. {@link Actor} is the one name the tests give a user; every user has {@link #PASSWORD}.
 */
public final class Actors {

  public static final String PROJECTS = "/api/projects/projects/";
  public static final String WORKSPACES = "/api/projects/workspaces/";
  public static final String PASSWORD = "correct horse battery staple";

  private static final AtomicLong SEQUENCE = new AtomicLong();
  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?");

  /** A registered user and the access token of its login ({@code null} for one {@link #signUp signed up} only). */
  public record Actor(long id, String email, String username, String access) {

    public Actor withAccess(String token) {
      return new Actor(id, email, username, token);
    }

    @Override
    public String toString() {
      return username + "#" + id;
    }
  }

  private final TestApp app;

  public Actors(TestApp app) {
    this.app = app;
  }

  // ---- people ------------------------------------------------------------------------------------------------------

  /** What a login or a refresh hands out. */
  public record Tokens(String access, String refresh) {

    public static Tokens of(HttpResponse<Buffer> response) {
      JsonObject body = response.bodyAsJsonObject();
      return new Tokens(body.getString("access"), body.getString("refresh"));
    }
  }

  /** Registers a new user whose email and username start with {@code label}, logs it in and returns it. */
  public Actor register(String label) {
    Actor actor = signUp(label);
    return actor.withAccess(login(actor).access());
  }

  /** Registers a new user as {@link #register} does but does not log it in, for tests of logging in. */
  public Actor signUp(String label) {
    JsonObject user = expect(app.post("/api/auth/register/", registration(label)), 201);
    return new Actor(user.getLong("id"), user.getString("email"), user.getString("username"), null);
  }

  /** Registers a new user and logs it in: the tokens of that login, for tests of the tokens themselves. */
  public Tokens loginNewUser() {
    return login(signUp("user"));
  }

  /** Logs {@code actor} in once more, expecting success. */
  public Tokens login(Actor actor) {
    return Tokens.of(expectStatus(app.post("/api/auth/login/", credentials(actor)), 200));
  }

  /** The body of a valid registration of a new, unique user whose email and username start with {@code label}. */
  public static JsonObject registration(String label) {
    String unique = uniqueName(label);
    return new JsonObject().put("email", unique + "@example.test").put("username", unique).put("password", PASSWORD);
  }

  /** An email address no user has. */
  public static String unknownEmail() {
    return uniqueName("nobody") + "@example.test";
  }

  /** A username no user has yet, starting with {@code label}; usable as the local part of an email as well. */
  public static String uniqueName(String label) {
    return label + "-" + SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The body of a login of {@code actor} with its password. */
  public static JsonObject credentials(Actor actor) {
    return new JsonObject().put("email", actor.email()).put("password", PASSWORD);
  }

  /** The body of a login of {@code actor} with a wrong password. */
  public static JsonObject wrongPassword(Actor actor) {
    return credentials(actor).put("password", "not the password");
  }

  /** The body of a login as an email no user has. */
  public static JsonObject unknownUser() {
    return new JsonObject().put("email", unknownEmail()).put("password", "not the password");
  }

  /** {@code GET /api/auth/me/} with {@code access} as the bearer token. */
  public HttpResponse<Buffer> me(String access) {
    return app.send(app.web.get("/api/auth/me/").putHeader("Authorization", "Bearer " + access));
  }

  /** {@code POST /api/auth/refresh/} with {@code {"refresh": <refresh>}}. */
  public HttpResponse<Buffer> refresh(String refresh) {
    return app.post("/api/auth/refresh/", new JsonObject().put("refresh", refresh));
  }

  /** {@code POST /api/auth/logout/} with {@code {"refresh": <refresh>}}. */
  public HttpResponse<Buffer> logout(String refresh) {
    return app.post("/api/auth/logout/", new JsonObject().put("refresh", refresh));
  }

  // ---- raw calls with the bearer token ---------------------------------------------------------------------------

  /** A request to {@code path} (relative, or an absolute URL such as one from a {@code Link} header) as {@code actor}. */
  public HttpRequest<Buffer> request(Actor actor, HttpMethod method, String path) {
    HttpRequest<Buffer> request = path.startsWith("http://") || path.startsWith("https://")
        ? app.web.requestAbs(method, path)
        : app.web.request(method, path);
    if (actor != null) {
      request.putHeader("Authorization", "Bearer " + actor.access());
    }
    return request;
  }

  public HttpResponse<Buffer> get(Actor actor, String path) {
    return request(actor, HttpMethod.GET, path).send().await();
  }

  public HttpResponse<Buffer> post(Actor actor, String path, JsonObject body) {
    return request(actor, HttpMethod.POST, path).sendJsonObject(body).await();
  }

  public HttpResponse<Buffer> put(Actor actor, String path, JsonObject body) {
    return put(actor, path, body, null);
  }

  public HttpResponse<Buffer> put(Actor actor, String path, JsonObject body, String ifMatch) {
    return withIfMatch(request(actor, HttpMethod.PUT, path), ifMatch).sendJsonObject(body).await();
  }

  public HttpResponse<Buffer> patch(Actor actor, String path, JsonObject body) {
    return patch(actor, path, body, null);
  }

  public HttpResponse<Buffer> patch(Actor actor, String path, JsonObject body, String ifMatch) {
    return withIfMatch(request(actor, HttpMethod.PATCH, path), ifMatch).sendJsonObject(body).await();
  }

  public HttpResponse<Buffer> delete(Actor actor, String path) {
    return delete(actor, path, null);
  }

  public HttpResponse<Buffer> delete(Actor actor, String path, String ifMatch) {
    return withIfMatch(request(actor, HttpMethod.DELETE, path), ifMatch).send().await();
  }

  /** Sends {@code body} exactly as given, as {@code application/json}. */
  public HttpResponse<Buffer> sendRaw(Actor actor, HttpMethod method, String path, String body) {
    return request(actor, method, path).putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer(body)).await();
  }

  private static HttpRequest<Buffer> withIfMatch(HttpRequest<Buffer> request, String ifMatch) {
    if (ifMatch != null) {
      request.putHeader("If-Match", ifMatch);
    }
    return request;
  }

  // ---- paths ---------------------------------------------------------------------------------------------------------

  public static String project(long id) {
    return PROJECTS + id + "/";
  }

  public static String workspace(long id) {
    return WORKSPACES + id + "/";
  }

  public static String members(long workspaceId) {
    return workspace(workspaceId) + "members/";
  }

  public static String member(long workspaceId, long userId) {
    return members(workspaceId) + userId + "/";
  }

  // ---- conveniences that expect success ----------------------------------------------------------------------------

  public JsonObject createProject(Actor owner, String name) {
    return createProject(owner, name, "");
  }

  public JsonObject createProject(Actor owner, String name, String description) {
    return expect(post(owner, PROJECTS, new JsonObject().put("name", name).put("description", description)), 201);
  }

  public JsonObject createWorkspace(Actor creator, long projectId, String name) {
    return expect(post(creator, WORKSPACES, new JsonObject().put("project", projectId).put("name", name)), 201);
  }

  /** {@code by} adds {@code who} to the workspace with {@code role}, naming it by user id. */
  public JsonObject addMember(Actor by, long workspaceId, Actor who, String role) {
    return expect(post(by, members(workspaceId), new JsonObject().put("user_id", who.id()).put("role", role)), 201);
  }

  /** A new workspace and the one new member added to it besides its creator. */
  public record Membership(long workspaceId, Actor member) {}

  /** {@code owner} creates workspace {@code name} in the project and adds a new user, labelled {@code member}, as {@code role}. */
  public Membership workspaceWithMember(Actor owner, long projectId, String name, String member, String role) {
    long workspaceId = createWorkspace(owner, projectId, name).getLong("id");
    Actor added = register(member);
    addMember(owner, workspaceId, added, role);
    return new Membership(workspaceId, added);
  }

  /** The workspace as its project owner (or any member) sees it. */
  public JsonObject workspaceAs(Actor actor, long workspaceId) {
    return expect(get(actor, workspace(workspaceId)), 200);
  }

  public JsonArray membersAs(Actor actor, long workspaceId) {
    HttpResponse<Buffer> response = get(actor, members(workspaceId));
    if (response.statusCode() != 200) {
      throw new AssertionError("GET " + members(workspaceId) + " answered " + response.statusCode() + " " + response.bodyAsString());
    }
    return response.bodyAsJsonArray();
  }

  // ---- paging --------------------------------------------------------------------------------------------------------

  /** The target of the {@code Link: <...>; rel="next"} header, if the response has one. */
  public static Optional<String> nextLink(HttpResponse<Buffer> response) {
    for (String header : response.headers().getAll("Link")) {
      for (String part : header.split(",(?=\\s*<)")) {
        Matcher m = NEXT_LINK.matcher(part.trim());
        if (m.find()) {
          return Optional.of(m.group(1));
        }
      }
    }
    return Optional.empty();
  }

  /** Follows a {@code Link} target as {@code actor}: relative targets are resolved against the service. */
  public HttpResponse<Buffer> follow(Actor actor, String link) {
    if (link.startsWith("http://") || link.startsWith("https://")) {
      URI uri = URI.create(link);
      String pathAndQuery = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      return get(actor, pathAndQuery);
    }
    return get(actor, link);
  }

  /** The JSON object of a response with the expected status, or an {@link AssertionError} naming what came instead. */
  public static JsonObject expect(HttpResponse<Buffer> response, int status) {
    expectStatus(response, status);
    return response.body() == null || response.body().length() == 0 ? new JsonObject() : response.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> expectStatus(HttpResponse<Buffer> response, int status) {
    if (response.statusCode() != status) {
      throw new AssertionError("expected HTTP " + status + " but got " + response.statusCode() + ": " + response.bodyAsString());
    }
    return response;
  }
}

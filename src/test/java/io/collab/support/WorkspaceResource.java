package io.collab.support;

import io.collab.support.Actors.Actor;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * One of the two resources of the workspace API that are created, read, replaced, changed, deleted and listed alike:
 * projects ({@link Actors#PROJECTS}) and workspaces ({@link Actors#WORKSPACES}). It knows the resource's URLs, the
 * keys of its representation and a valid body, so that one test can hold for both.
 */
public final class WorkspaceResource {

  private final String label;
  private final String collection;
  private final String[] keys;
  private final BiFunction<Actor, String, JsonObject> body;

  private WorkspaceResource(String label, String collection, String[] keys, BiFunction<Actor, String, JsonObject> body) {
    this.label = label;
    this.collection = collection;
    this.keys = keys;
    this.body = body;
  }

  /** Projects, whose representation has exactly {@code keys}; every body has a description besides the name. */
  public static WorkspaceResource projects(String[] keys) {
    return new WorkspaceResource("project", Actors.PROJECTS, keys,
        (creator, name) -> new JsonObject().put("name", name).put("description", "about " + name));
  }

  /**
   * Workspaces, whose representation has exactly {@code keys}; each creator's workspaces go in a project of its own,
   * its {@link #home}.
   */
  public static WorkspaceResource workspaces(Actors actors, String[] keys) {
    Map<Long, Long> homes = new HashMap<>();
    return new WorkspaceResource("workspace", Actors.WORKSPACES, keys, (creator, name) -> new JsonObject()
        .put("project", homes.computeIfAbsent(creator.id(), id -> actors.createProject(creator, "Home").getLong("id")))
        .put("name", name));
  }

  /** The project {@code creator}'s workspaces are created in, made on first use; only for {@link #workspaces}. */
  public long home(Actor creator) {
    Long project = body(creator, "home").getLong("project");
    if (project == null) {
      throw new IllegalStateException(label + "s are not created in a project");
    }
    return project;
  }

  /** The collection's URL, with its trailing slash. */
  public String collection() {
    return collection;
  }

  /** The collection's URL without its trailing slash. */
  public String collectionWithoutSlash() {
    return collection.substring(0, collection.length() - 1);
  }

  /** The URL of one item, with its trailing slash. */
  public String item(long id) {
    return collection + id + "/";
  }

  /** The URL of one item without its trailing slash. */
  public String itemWithoutSlash(long id) {
    return collection + id;
  }

  /** The keys of the representation, all of them. */
  public String[] keys() {
    return keys.clone();
  }

  /** A valid body for POST and PUT that names the item {@code name}. */
  public JsonObject body(Actor creator, String name) {
    return body.apply(creator, name);
  }

  /** {@code creator} creates an item named {@code name}, expecting 201; its representation. */
  public JsonObject create(Actors actors, Actor creator, String name) {
    return Actors.expect(actors.post(creator, collection, body(creator, name)), 201);
  }

  @Override
  public String toString() {
    return label;
  }
}

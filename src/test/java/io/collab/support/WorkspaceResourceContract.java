package io.collab.support;

import io.collab.support.Actors.Actor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What projects and workspaces both promise ({@link WorkspaceResource}): the representation a creation answers, reads,
 * changes and deletes, URLs with or without the trailing slash, lists and their paging, and the rules for a name. A
 * {@link CollabTest} class of one resource extends this and, in its {@code @BeforeAll}, calls {@link #holdsFor} with
 * its own fields (the extension fills only the fields a class declares).
 */
public abstract class WorkspaceResourceContract {

  /** The most pages a list is followed through, so that a Link loop fails the test instead of hanging it. */
  private static final int MOST_PAGES = 10;
  private static final String UTC_TIMESTAMP = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z";

  private Actors actors;
  private WorkspaceResource resource;
  private Actor caller;

  /** The contract's tests are about {@code resource}, called through {@code actors}, by {@code caller} unless said. */
  protected final void holdsFor(Actors actors, WorkspaceResource resource, Actor caller) {
    this.actors = actors;
    this.resource = resource;
    this.caller = caller;
  }

  private JsonObject create(Actor creator, String name) {
    return resource.create(actors, creator, name);
  }

  // ---- create, read, change and delete -----------------------------------------------------------------------------

  @Test
  @DisplayName("POST answers 201 JSON with exactly the representation's keys: a new numeric id, the name sent, created_at now in UTC")
  void createAnswersTheRepresentation() {
    Instant before = Instant.now().minusSeconds(5);

    HttpResponse<Buffer> response = actors.post(caller, resource.collection(), resource.body(caller, "Created"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder(resource.keys());
    assertThat(body.getValue("id")).isInstanceOf(Number.class);
    assertThat(body.getLong("id")).isPositive();
    assertThat(body.getString("name")).isEqualTo("Created");
    assertThat(body.getString("created_at")).matches(UTC_TIMESTAMP);
    assertThat(Instant.parse(body.getString("created_at"))).isBetween(before, Instant.now().plusSeconds(5));
  }

  @Test
  @DisplayName("POST without the trailing slash works the same")
  void createWithoutTrailingSlash() {
    HttpResponse<Buffer> response = actors.post(caller, resource.collectionWithoutSlash(),
        resource.body(caller, "No slash"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder(resource.keys());
    assertThat(response.bodyAsJsonObject().getString("name")).isEqualTo("No slash");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "true  | GET /{id}/ answers 200 with the representation the creation returned",
      "false | GET /{id} without the trailing slash works the same"})
  void getOne(boolean trailingSlash, String description) {
    JsonObject created = create(caller, trailingSlash ? "Readable" : "Slashless read");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.get(caller, trailingSlash ? resource.item(id) : resource.itemWithoutSlash(id));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject()).isEqualTo(created);
  }

  @Test
  @DisplayName("GET of an id that never existed is 404 not_found")
  void getMissing() {
    assertError(actors.get(caller, resource.item(987_654_321L)), 404, "not_found");
  }

  @Test
  @DisplayName("PATCH without the trailing slash works the same")
  void patchWithoutTrailingSlash() {
    long id = create(caller, "Slashless patch").getLong("id");

    HttpResponse<Buffer> response = actors.patch(caller, resource.itemWithoutSlash(id), new JsonObject().put("name", "patched"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("name")).isEqualTo("patched");
  }

  @Test
  @DisplayName("PUT replaces what the body names and answers 200 with the new representation, which GET then shows")
  void putReplaces() {
    JsonObject body = resource.body(caller, "After");

    assertChangedTo(item -> actors.put(caller, item, body), body);
  }

  /** PATCH bodies that each change one field: the name; a resource with more fields to change adds them. */
  protected Stream<JsonObject> patches() {
    return Stream.of(new JsonObject().put("name", "Patched"));
  }

  @ParameterizedTest(name = "PATCH {0}")
  @MethodSource("patches")
  @DisplayName("PATCH changes only the fields sent")
  void patchChangesOnlyWhatIsSent(JsonObject patch) {
    assertChangedTo(item -> actors.patch(caller, item, patch), patch);
  }

  @Test
  @DisplayName("Unknown and read-only fields in a PUT (id, owner, created_at, anything else) are ignored; no item takes the id sent")
  void putIgnoresUnknownFields() {
    JsonObject body = resource.body(caller, "Renamed");
    JsonObject withMore = body.copy().put("id", 999).put("owner", 12345).put("created_at", "x").put("colour", "blue");

    assertChangedTo(item -> actors.put(caller, item, withMore), body);
    assertThat(actors.get(caller, resource.item(999)).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("DELETE answers 204 without a body; the item is then 404, to GET and to DELETE, and not listed")
  void deleteThenGone() {
    long id = create(caller, "Doomed").getLong("id");

    HttpResponse<Buffer> response = actors.delete(caller, resource.item(id));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.body() == null ? 0 : response.body().length()).isZero();
    assertThat(actors.get(caller, resource.item(id)).statusCode()).isEqualTo(404);
    assertThat(actors.delete(caller, resource.item(id)).statusCode()).isEqualTo(404);
    assertThat(pages(caller, resource.collection())).allSatisfy(page -> assertThat(page).doesNotContain(id));
  }

  // ---- lists -------------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("GET without the trailing slash lists the same")
  void listWithoutTrailingSlash() {
    Actor solo = actors.register("solo");
    long id = create(solo, "Solo's").getLong("id");

    assertThat(pages(solo, resource.collectionWithoutSlash())).containsExactly(List.of(id));
  }

  @Test
  @DisplayName("?limit=N pages by id; each Link rel=\"next\" leads to the next page; the last page has no Link")
  void paging() {
    Actor pager = actors.register("pager");
    List<Long> all = itemsOf(pager, 5);

    assertThat(pages(pager, resource.collection() + "?limit=2"))
        .containsExactly(all.subList(0, 2), all.subList(2, 4), all.subList(4, 5));
  }

  @Test
  @DisplayName("When the items fill the last page exactly, that page has no Link")
  void pagingExactMultiple() {
    Actor pager = actors.register("exact");
    List<Long> all = itemsOf(pager, 4);

    assertThat(pages(pager, resource.collection() + "?limit=2")).containsExactly(all.subList(0, 2), all.subList(2, 4));
  }

  @Test
  @DisplayName("Without ?limit the whole list comes in one page without a Link")
  void noLimitNoLink() {
    Actor solo = actors.register("unpaged");
    List<Long> all = itemsOf(solo, 2);

    assertThat(pages(solo, resource.collection())).containsExactly(all);
  }

  @Test
  @DisplayName("A newcomer's list is an empty array")
  void emptyList() {
    HttpResponse<Buffer> response = actors.get(actors.register("newcomer"), resource.collection());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsString().trim()).isEqualTo("[]");
  }

  @ParameterizedTest(name = "?limit={0} → 400 validation_failed")
  @ValueSource(strings = {"0", "abc", "-1"})
  @DisplayName("A limit that is not a positive integer is refused with 400")
  void badLimit(String limit) {
    assertError(actors.get(caller, resource.collection() + "?limit=" + limit), 400, "validation_failed");
  }

  // ---- the name ----------------------------------------------------------------------------------------------------

  /** (method, what, the name field of the body): every method refuses these names; a PATCH without a name is valid. */
  static Stream<Arguments> invalidNames() {
    Stream<Arguments> everywhere = Stream.of("POST", "PUT", "PATCH").flatMap(method -> Stream.of(
        Arguments.of(method, "an empty name", new JsonObject().put("name", "")),
        Arguments.of(method, "a name of 256 characters", new JsonObject().put("name", "n".repeat(256))),
        Arguments.of(method, "a null name", new JsonObject().putNull("name")),
        Arguments.of(method, "a numeric name", new JsonObject().put("name", 42)),
        Arguments.of(method, "a NUL character in the name", new JsonObject().put("name", "a\u0000b"))));
    Stream<Arguments> noName = Stream.of("POST", "PUT").map(method -> Arguments.of(method, "no name", new JsonObject()));
    return Stream.concat(everywhere, noName);
  }

  @ParameterizedTest(name = "{0} with {1} → 400 fields.name")
  @MethodSource("invalidNames")
  @DisplayName("POST, PUT and PATCH refuse an invalid name with 400 validation_failed naming the field, never 500; nothing changes")
  void invalidNameIsRefused(String method, String what, JsonObject name) {
    JsonObject body = resource.body(caller, "valid");
    body.remove("name");

    assertValidationFailed(sendRefused(method, body.mergeIn(name), name), "name");
  }

  @Test
  @DisplayName("The name's bounds count characters, not UTF-16 units or bytes: 1 and 255 characters and 255 emoji fit, 256 emoji do not")
  void nameBounds() {
    for (String name : List.of("x", "n".repeat(255), "🚀".repeat(255))) {
      HttpResponse<Buffer> response = actors.post(caller, resource.collection(), resource.body(caller, name));

      assertThat(response.statusCode()).as("%d characters", name.codePointCount(0, name.length())).isEqualTo(201);
      assertThat(response.bodyAsJsonObject().getString("name")).isEqualTo(name);
    }
    assertValidationFailed(actors.post(caller, resource.collection(), resource.body(caller, "🚀".repeat(256))), "name");
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  /**
   * Sends a change the resource must refuse: a POST of {@code body} to the collection, or to a new item a PUT of
   * {@code body} or a PATCH of {@code patch}, after which the item is {@linkplain #changingNothing unchanged}.
   */
  protected final HttpResponse<Buffer> sendRefused(String method, JsonObject body, JsonObject patch) {
    return switch (method) {
      case "POST" -> actors.post(caller, resource.collection(), body);
      case "PUT" -> changingNothing(item -> actors.put(caller, item, body));
      case "PATCH" -> changingNothing(item -> actors.patch(caller, item, patch));
      default -> throw new IllegalArgumentException("not a method that changes: " + method);
    };
  }

  /**
   * Sends {@code change} to the URL of a new item of the caller's: it answers 200 with the item as created but for
   * {@code changes}, and GET then reads the same.
   */
  protected final void assertChangedTo(Function<String, HttpResponse<Buffer>> change, JsonObject changes) {
    JsonObject created = create(caller, "Before");
    String item = resource.item(created.getLong("id"));

    HttpResponse<Buffer> response = change.apply(item);

    assertThat(response.statusCode()).as("%s: %s", item, response.bodyAsString()).isEqualTo(200);
    JsonObject expected = created.copy().mergeIn(changes);
    assertThat(response.bodyAsJsonObject()).isEqualTo(expected);
    assertThat(actors.get(caller, item).bodyAsJsonObject()).isEqualTo(expected);
  }

  /**
   * Sends {@code change} to the URL of a new item of the caller's, for a change that must be refused: the item then
   * reads (200) exactly as it was created. Returns the answer to the change.
   */
  protected final HttpResponse<Buffer> changingNothing(Function<String, HttpResponse<Buffer>> change) {
    JsonObject created = create(caller, "Unchanged");
    String item = resource.item(created.getLong("id"));

    HttpResponse<Buffer> response = change.apply(item);

    assertThat(Actors.expect(actors.get(caller, item), 200)).as("%s after %s", item, response.bodyAsString()).isEqualTo(created);
    return response;
  }

  /** {@code count} new items of {@code creator}, by id in creation order. */
  private List<Long> itemsOf(Actor creator, int count) {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(create(creator, "item " + i).getLong("id"));
    }
    return ids;
  }

  /**
   * The ids on each page of the list at {@code path} as {@code actor} sees it, following {@code Link rel="next"} to
   * the page without one; every page answers 200 with a plain array of representations with exactly their keys.
   */
  protected final List<List<Long>> pages(Actor actor, String path) {
    List<List<Long>> pages = new ArrayList<>();
    Optional<String> next = Optional.of(path);
    while (next.isPresent() && pages.size() < MOST_PAGES) {
      HttpResponse<Buffer> page = actors.follow(actor, next.get());
      assertThat(page.statusCode()).as("page %d", pages.size() + 1).isEqualTo(200);
      List<Long> ids = new ArrayList<>();
      for (Object item : page.bodyAsJsonArray()) {
        assertThat(((JsonObject) item).fieldNames()).containsExactlyInAnyOrder(resource.keys());
        ids.add(((JsonObject) item).getLong("id"));
      }
      pages.add(ids);
      next = Actors.nextLink(page);
    }
    return pages;
  }
}

package io.collab.support;

import io.collab.support.Actors.Actor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.collab.support.Errors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What projects and workspaces both promise ({@link WorkspaceResource}): URLs with or without the trailing slash,
 * reads, deletes, lists and their paging. A {@link CollabTest} class of one resource extends this and says which
 * resource, as whom, and through which {@link Actors} (the extension fills only the class's own fields).
 */
public abstract class WorkspaceResourceContract {

  /** The most pages a list is followed through, so that a Link loop fails the test instead of hanging it. */
  private static final int MOST_PAGES = 10;

  protected abstract Actors actors();

  protected abstract WorkspaceResource resource();

  /** Who creates and reads items in the tests that need no one new. */
  protected abstract Actor caller();

  private JsonObject create(Actor creator, String name) {
    return resource().create(actors(), creator, name);
  }

  // ---- create, read, change and delete -----------------------------------------------------------------------------

  @Test
  @DisplayName("POST without the trailing slash works the same")
  void createWithoutTrailingSlash() {
    HttpResponse<Buffer> response = actors().post(caller(), resource().collectionWithoutSlash(),
        resource().body(caller(), "No slash"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder(resource().keys());
    assertThat(response.bodyAsJsonObject().getString("name")).isEqualTo("No slash");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "true  | GET /{id}/ answers 200 with the representation the creation returned",
      "false | GET /{id} without the trailing slash works the same"})
  void getOne(boolean trailingSlash, String description) {
    JsonObject created = create(caller(), trailingSlash ? "Readable" : "Slashless read");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors().get(caller(), trailingSlash ? resource().item(id) : resource().itemWithoutSlash(id));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject()).isEqualTo(created);
  }

  @Test
  @DisplayName("GET of an id that never existed is 404 not_found")
  void getMissing() {
    assertError(actors().get(caller(), resource().item(987_654_321L)), 404, "not_found");
  }

  @Test
  @DisplayName("PATCH without the trailing slash works the same")
  void patchWithoutTrailingSlash() {
    long id = create(caller(), "Slashless patch").getLong("id");

    HttpResponse<Buffer> response = actors().patch(caller(), resource().itemWithoutSlash(id), new JsonObject().put("name", "patched"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("name")).isEqualTo("patched");
  }

  @Test
  @DisplayName("DELETE answers 204 without a body; the item is then 404, to GET and to DELETE, and not listed")
  void deleteThenGone() {
    long id = create(caller(), "Doomed").getLong("id");

    HttpResponse<Buffer> response = actors().delete(caller(), resource().item(id));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.body() == null ? 0 : response.body().length()).isZero();
    assertThat(actors().get(caller(), resource().item(id)).statusCode()).isEqualTo(404);
    assertThat(actors().delete(caller(), resource().item(id)).statusCode()).isEqualTo(404);
    assertThat(ids(actors().get(caller(), resource().collection()))).doesNotContain(id);
  }

  // ---- lists -------------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("GET without the trailing slash lists the same")
  void listWithoutTrailingSlash() {
    Actor solo = actors().register("solo");
    long id = create(solo, "Solo's").getLong("id");

    HttpResponse<Buffer> response = actors().get(solo, resource().collectionWithoutSlash());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(ids(response)).containsExactly(id);
  }

  @Test
  @DisplayName("?limit=N pages by id; each Link rel=\"next\" leads to the next page; the last page has no Link")
  void paging() {
    Actor pager = actors().register("pager");
    List<Long> all = itemsOf(pager, 5);

    assertThat(pages(pager, resource().collection() + "?limit=2"))
        .containsExactly(all.subList(0, 2), all.subList(2, 4), all.subList(4, 5));
  }

  @Test
  @DisplayName("When the items fill the last page exactly, that page has no Link")
  void pagingExactMultiple() {
    Actor pager = actors().register("exact");
    List<Long> all = itemsOf(pager, 4);

    assertThat(pages(pager, resource().collection() + "?limit=2")).containsExactly(all.subList(0, 2), all.subList(2, 4));
  }

  @Test
  @DisplayName("Without ?limit the whole list comes in one page without a Link")
  void noLimitNoLink() {
    Actor solo = actors().register("unpaged");
    List<Long> all = itemsOf(solo, 2);

    assertThat(pages(solo, resource().collection())).containsExactly(all);
  }

  @Test
  @DisplayName("A newcomer's list is an empty array")
  void emptyList() {
    HttpResponse<Buffer> response = actors().get(actors().register("newcomer"), resource().collection());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsString().trim()).isEqualTo("[]");
  }

  @ParameterizedTest(name = "?limit={0} → 400 validation_failed")
  @ValueSource(strings = {"0", "abc", "-1"})
  @DisplayName("A limit that is not a positive integer is refused with 400")
  void badLimit(String limit) {
    assertError(actors().get(caller(), resource().collection() + "?limit=" + limit), 400, "validation_failed");
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  /** {@code count} new items of {@code creator}, by id in creation order. */
  private List<Long> itemsOf(Actor creator, int count) {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(create(creator, "item " + i).getLong("id"));
    }
    return ids;
  }

  /**
   * The ids on each page of the list at {@code path}, following {@code Link rel="next"} to the page without one;
   * every page answers 200.
   */
  private List<List<Long>> pages(Actor actor, String path) {
    List<List<Long>> pages = new ArrayList<>();
    Optional<String> next = Optional.of(path);
    while (next.isPresent() && pages.size() < MOST_PAGES) {
      HttpResponse<Buffer> page = actors().follow(actor, next.get());
      assertThat(page.statusCode()).as("page %d", pages.size() + 1).isEqualTo(200);
      pages.add(ids(page));
      next = Actors.nextLink(page);
    }
    return pages;
  }

  private static List<Long> ids(HttpResponse<Buffer> list) {
    List<Long> ids = new ArrayList<>();
    list.bodyAsJsonArray().forEach(item -> ids.add(((JsonObject) item).getLong("id")));
    return ids;
  }
}

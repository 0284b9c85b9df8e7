package io.collab.documents;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An update's JSON form, {@code {"clientID": ..., "changes": [...]}}, as {@code @codemirror/collab} uses it. */
class UpdateTest {

  @Test
  @DisplayName("toJson and fromJson round-trip")
  void roundTrip() {
    Update update = new Update("k3x9", ChangeSet.of(2, 1, 1, "x"));
    assertThat(update.toJson()).isEqualTo(new JsonObject("{\"clientID\": \"k3x9\", \"changes\": [1, [0, \"x\"], 1]}"));
    assertThat(Update.fromJson(update.toJson())).isEqualTo(update);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "{\"changes\": [1]}",
      "{\"clientID\": null, \"changes\": [1]}",
      "{\"clientID\": \"\", \"changes\": [1]}",
      "{\"clientID\": 7, \"changes\": [1]}",
      "{\"clientID\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"changes\": [1]}"
  })
  @DisplayName("clientID must be a non-empty string of at most 64 characters")
  void badClientId(String json) {
    assertThatThrownBy(() -> Update.fromJson(new JsonObject(json)))
        .isInstanceOf(InvalidChangeException.class)
        .hasMessageContaining("clientID");
  }

  @Test
  @DisplayName("a client ID of 64 characters is accepted")
  void longestClientId() {
    assertThat(new Update("a".repeat(64), ChangeSet.identity(0)).clientId()).hasSize(64);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{\"clientID\": \"a\"}", "{\"clientID\": \"a\", \"changes\": {}}",
      "{\"clientID\": \"a\", \"changes\": [-1]}"})
  @DisplayName("missing or malformed changes are refused")
  void badChanges(String json) {
    assertThatThrownBy(() -> Update.fromJson(new JsonObject(json))).isInstanceOf(InvalidChangeException.class);
  }

  @Test
  @DisplayName("a missing update is refused")
  void nullUpdate() {
    assertThatThrownBy(() -> Update.fromJson(null)).isInstanceOf(InvalidChangeException.class);
  }
}

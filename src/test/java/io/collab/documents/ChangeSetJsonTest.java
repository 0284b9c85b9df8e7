package io.collab.documents;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JSON form of a change set: what round-trips, and what is refused with which reason. */
class ChangeSetJsonTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "[]",
      "[5]",
      "[[3]]",
      "[1, [0, \"x\"], 2]",
      "[[2, \"a\", \"\", \"b\"], 1]",
      "[[0, \"😀\"], 2]",
      "[1, [1], [0, \"x\"], 1]",
      "[1, 2]"
  })
  @DisplayName("toJson gives back the JSON fromJson read, section for section")
  void roundTrip(String json) {
    assertThat(ChangeSet.fromJson(new JsonArray(json)).toJson()).isEqualTo(new JsonArray(json));
  }

  @ParameterizedTest(name = "{0} is refused: {1}")
  @CsvSource(delimiter = '|', value = {
      "[\"3\"]                       | change element 0 must be a number (kept length) or an array",
      "[true]                        | change element 0 must be a number (kept length) or an array",
      "[null]                        | an array (replaced length and lines), got null",
      "[{}]                          | change element 0 must be a number (kept length) or an array",
      "[-1]                          | change element 0 must not be negative",
      "[1.5]                         | change element 0 must be an integer",
      "[2147483648]                  | change element 0 is too large",
      "[2, []]                       | change element 1 is an empty array",
      "[[\"a\"]]                     | change element 0 must start with a length",
      "[[null, \"a\"]]               | change element 0 must start with a length",
      "[[-2]]                        | the length in change element 0 must not be negative",
      "[[0.5, \"a\"]]                | the length in change element 0 must be an integer",
      "[[0, 1]]                      | line 1 of change element 0 must be a string",
      "[[0, \"a\", null]]            | line 2 of change element 0 must be a string",
      "[[0, \"a\\nb\"]]              | line 1 of change element 0 contains a line break",
      "[2147483647, 1]               | change set is longer than 2147483647 characters",
      "[2147483647, [0, \"x\"]]      | change set is longer than 2147483647 characters",
      "[0]                           | change element 0 is empty",
      "[1, [0]]                      | change element 1 is empty",
      "[[0, \"\"], 1]                 | change element 0 is empty"
  })
  @DisplayName("malformed changes are refused with the reason")
  void malformed(String json, String reason) {
    assertThatThrownBy(() -> ChangeSet.fromJson(new JsonArray(json)))
        .isInstanceOf(InvalidChangeException.class)
        .hasMessageContaining(reason.strip());
  }

  @Test
  @DisplayName("a length written with a zero fraction is still a length")
  void integralFraction() {
    assertThat(ChangeSet.fromJson(new JsonArray("[3.0]"))).isEqualTo(ChangeSet.identity(3));
  }

  @Test
  @DisplayName("fromJson(Object) takes a JsonArray or a List, as JsonObject.getValue returns them")
  void fromValue() {
    JsonObject message = new JsonObject("{\"changes\": [1, [0, \"x\"]]}");
    assertThat(ChangeSet.fromJson(message.getValue("changes"))).isEqualTo(ChangeSet.of(1, 1, 1, "x"));
    assertThat(ChangeSet.fromJson((Object) List.of(1, List.of(0, "x")))).isEqualTo(ChangeSet.of(1, 1, 1, "x"));
  }

  @Test
  @DisplayName("fromJson(Object) refuses anything that is not an array")
  void fromValueNotAnArray() {
    for (Object notAnArray : new Object[] {null, new JsonObject(), "[1]", 1}) {
      assertThatThrownBy(() -> ChangeSet.fromJson(notAnArray))
          .isInstanceOf(InvalidChangeException.class)
          .hasMessageStartingWith("changes must be a JSON array");
    }
    assertThatThrownBy(() -> ChangeSet.fromJson((JsonArray) null)).isInstanceOf(InvalidChangeException.class);
  }
}

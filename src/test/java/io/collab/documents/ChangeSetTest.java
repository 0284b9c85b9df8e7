package io.collab.documents;

import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a change set does, case by case; the expected values are what CodeMirror 6.7.6 gives for the same input. */
class ChangeSetTest {

  private static ChangeSet changes(String json) {
    return ChangeSet.fromJson(new JsonArray(json));
  }

  /** {@code b} applied to {@code doc}, then {@code a} mapped over {@code b}: where {@code a} ends up. */
  private static String afterBoth(String doc, ChangeSet a, ChangeSet b, boolean before) {
    return a.map(b, before).apply(b.apply(doc));
  }

  @Nested
  @DisplayName("map")
  class Map {

    /**
     * One case of {@link #mapsLikeCodeMirror}: {@code a} mapped over {@code b} with {@code before} gives
     * {@code mapped}, and applying {@code b} then the mapped {@code a} to {@code doc} gives {@code text}.
     */
    static Stream<Arguments> mappings() {
      return Stream.of(
          mapping("inserts at the same position: before=true puts this insert first",
              "ab", ChangeSet.of(2, 1, 1, "X"), ChangeSet.of(2, 1, 1, "Y"), true, "[1, [0, \"X\"], 2]", "aXYb"),
          mapping("inserts at the same position: before=false puts the other insert first",
              "ab", ChangeSet.of(2, 1, 1, "X"), ChangeSet.of(2, 1, 1, "Y"), false, "[2, [0, \"X\"], 1]", "aYXb"),
          mapping("a delete over a concurrent insert deletes around it and keeps the inserted text",
              "abcd", ChangeSet.of(4, 1, 3, ""), ChangeSet.of(4, 2, 2, "X"), false, "[1, [1], 1, [1], 1]", "aXd"),
          mapping("an insert inside a concurrently deleted range lands where the range was",
              "abcd", ChangeSet.of(4, 2, 2, "X"), ChangeSet.of(4, 1, 3, ""), false, "[1, [0, \"X\"], 1]", "aXd"),
          mapping("overlapping deletes: only the part not deleted yet is deleted",
              "abcd", ChangeSet.of(4, 0, 2, ""), ChangeSet.of(4, 1, 3, ""), false, "[[1], 1]", "d"),
          mapping("a replace of a range keeps a concurrent insert inside it, after the new text",
              "abcd", ChangeSet.of(4, 0, 4, "wxyz"), ChangeSet.of(4, 2, 2, "!"), false, "[[2, \"wxyz\"], 1, [2]]",
              "wxyz!"),
          mapping("inserts at the very end: before=true puts this insert first",
              "abc", ChangeSet.of(3, 3, 3, "E"), ChangeSet.of(3, 3, 3, "F"), true, "[3, [0, \"E\"], 1]", "abcEF"),
          mapping("inserts at the very end: before=false puts the other insert first",
              "abc", ChangeSet.of(3, 3, 3, "E"), ChangeSet.of(3, 3, 3, "F"), false, "[4, [0, \"E\"]]", "abcFE"),
          mapping("an insert at the end moves past a concurrent insert at 0",
              "abc", ChangeSet.of(3, 3, 3, "E"), ChangeSet.of(3, 0, 0, "S"), false, "[4, [0, \"E\"]]", "SabcE"),
          mapping("an insert at 0 stays before a concurrent insert at the end",
              "abc", ChangeSet.of(3, 0, 0, "S"), ChangeSet.of(3, 3, 3, "E"), false, "[[0, \"S\"], 4]", "SabcE"),
          mapping("a replace inside a concurrently deleted range leaves its new text",
              "abcd", ChangeSet.of(4, 1, 2, "X"), ChangeSet.of(4, 0, 3, ""), false, "[[0, \"X\"], 1]", "Xd"),
          mapping("a delete of a range holding a concurrent replace deletes around the replace's new text",
              "abcd", ChangeSet.of(4, 0, 3, ""), ChangeSet.of(4, 1, 2, "X"), false, "[[1], 1, [1], 1]", "Xd"));
    }

    private static Arguments mapping(String name, String doc, ChangeSet a, ChangeSet b, boolean before,
                                     String mapped, String text) {
      return Arguments.of(Named.of(name, doc), a, b, before, mapped, text);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mappings")
    void mapsLikeCodeMirror(String doc, ChangeSet a, ChangeSet b, boolean before, String mapped, String text) {
      assertThat(a.map(b, before)).isEqualTo(changes(mapped));
      assertThat(afterBoth(doc, a, b, before)).isEqualTo(text);
    }

    @Test
    @DisplayName("the two sides converge when one maps with before=true and the other with before=false")
    void oppositeBeforeFlagsConverge() {
      ChangeSet x = ChangeSet.of(2, 1, 1, "X");
      ChangeSet y = ChangeSet.of(2, 1, 1, "Y");
      assertThat(afterBoth("ab", x, y, true)).isEqualTo(afterBoth("ab", y, x, false));
    }

    @Test
    @DisplayName("mapping over an empty change returns the change itself")
    void mapOverEmpty() {
      ChangeSet insert = ChangeSet.of(2, 1, 1, "X");
      assertThat(insert.map(ChangeSet.identity(2), true)).isSameAs(insert);
    }

    @Test
    @DisplayName("map refuses a change of another document length")
    void mapMismatchedLengths() {
      assertThatThrownBy(() -> ChangeSet.of(2, 1, 1, "X").map(ChangeSet.of(3, 0, 0, "Y"), false))
          .isInstanceOf(InvalidChangeException.class)
          .hasMessageContaining("length 2").hasMessageContaining("length 3");
    }
  }

  @Nested
  @DisplayName("compose")
  class Compose {

    @Test
    @DisplayName("an insert then the delete of the inserted text compose to no change")
    void insertThenDeleteIt() {
      ChangeSet insert = ChangeSet.of(2, 1, 1, "X");
      ChangeSet delete = ChangeSet.of(3, 1, 2, "");
      assertThat(insert.compose(delete)).isEqualTo(changes("[2]"));
      assertThat(insert.compose(delete).empty()).isTrue();
    }

    @Test
    @DisplayName("composing does what applying one after the other does")
    void composeAppliesBoth() {
      ChangeSet first = ChangeSet.of(5, 1, 3, "XYZ");
      ChangeSet second = ChangeSet.of(6, 2, 5, "-");
      assertThat(first.compose(second).apply("abcde")).isEqualTo(second.apply(first.apply("abcde")));
    }

    @Test
    @DisplayName("composing with an empty change returns the other change")
    void composeWithEmpty() {
      ChangeSet insert = ChangeSet.of(2, 1, 1, "X");
      assertThat(ChangeSet.identity(2).compose(insert)).isSameAs(insert);
      assertThat(insert.compose(ChangeSet.identity(3))).isSameAs(insert);
    }

    @Test
    @DisplayName("compose refuses a change that does not start where this one ends")
    void composeMismatchedLengths() {
      assertThatThrownBy(() -> ChangeSet.of(2, 1, 1, "X").compose(ChangeSet.identity(2)))
          .isInstanceOf(InvalidChangeException.class)
          .hasMessageContaining("producing length 3");
    }
  }

  @Nested
  @DisplayName("apply and lengths")
  class Apply {

    @Test
    @DisplayName("positions count UTF-16 units: an astral character is two")
    void surrogatePairs() {
      ChangeSet insert = ChangeSet.of(3, 2, 2, "X");
      assertThat(insert.toJson()).isEqualTo(new JsonArray("[2, [0, \"X\"], 1]"));
      assertThat(insert.apply("😀a")).isEqualTo("😀Xa");
      assertThat(changes("[[0, \"😀\"]]").newLength()).isEqualTo(2);
    }

    @Test
    @DisplayName("inserts at 0 and at the very end")
    void insertsAtZeroAndEnd() {
      assertThat(ChangeSet.of(3, 0, 0, ">").apply("abc")).isEqualTo(">abc");
      assertThat(ChangeSet.of(3, 3, 3, "<").apply("abc")).isEqualTo("abc<");
    }

    @Test
    @DisplayName("the empty document: the empty change and an insert")
    void emptyDocument() {
      assertThat(changes("[]").apply("")).isEmpty();
      assertThat(changes("[]").length()).isZero();
      assertThat(changes("[[0, \"abc\"]]").apply("")).isEqualTo("abc");
    }

    @Test
    @DisplayName("[n] deletes n units")
    void deletionForm() {
      ChangeSet delete = changes("[1, [3], 1]");
      assertThat(delete.length()).isEqualTo(5);
      assertThat(delete.newLength()).isEqualTo(2);
      assertThat(delete.apply("abcde")).isEqualTo("ae");
    }

    @Test
    @DisplayName("lines are joined by \\n, so [0, \"a\", \"\", \"b\"] inserts four units")
    void lines() {
      ChangeSet insert = changes("[[0, \"a\", \"\", \"b\"]]");
      assertThat(insert.newLength()).isEqualTo(4);
      assertThat(insert.apply("")).isEqualTo("a\n\nb");
    }

    @Test
    @DisplayName("apply refuses a document of another length")
    void wrongLength() {
      assertThatThrownBy(() -> changes("[3]").apply("ab"))
          .isInstanceOf(InvalidChangeException.class)
          .hasMessage("change applies to a document of length 3, but the document has length 2");
    }

    @Test
    @DisplayName("an empty change changes nothing; a change is empty only when it has no replaced section")
    void emptyChanges() {
      assertThat(ChangeSet.identity(0).empty()).isTrue();
      assertThat(ChangeSet.identity(5).empty()).isTrue();
      assertThat(ChangeSet.identity(5).apply("abcde")).isEqualTo("abcde");
      assertThat(ChangeSet.of(3, 1, 1, "")).isEqualTo(ChangeSet.identity(3));
      assertThat(ChangeSet.of(3, 1, 2, "").empty()).isFalse();
    }
  }

  @Nested
  @DisplayName("building")
  class Building {

    @Test
    @DisplayName("replaceAll replaces the whole text, with CodeMirror's line breaks")
    void replaceAll() {
      assertThat(ChangeSet.replaceAll(3, "a\r\nb\rc").toJson()).isEqualTo(new JsonArray("[[3, \"a\", \"b\", \"c\"]]"));
      assertThat(ChangeSet.replaceAll(3, "").toJson()).isEqualTo(new JsonArray("[[3]]"));
      assertThat(ChangeSet.replaceAll(0, "")).isEqualTo(ChangeSet.identity(0));
      assertThat(ChangeSet.replaceAll(2, "xyz").apply("ab")).isEqualTo("xyz");
    }

    @Test
    @DisplayName("identity is [n], or [] for the empty document")
    void identity() {
      assertThat(ChangeSet.identity(3).toJson()).isEqualTo(new JsonArray("[3]"));
      assertThat(ChangeSet.identity(0).toJson()).isEqualTo(new JsonArray());
    }

    @Test
    @DisplayName("of refuses a range outside the document")
    void outOfRange() {
      assertThatThrownBy(() -> ChangeSet.of(3, 2, 4, "x")).isInstanceOf(InvalidChangeException.class);
      assertThatThrownBy(() -> ChangeSet.of(3, 2, 1, "x")).isInstanceOf(InvalidChangeException.class);
    }

    @Test
    @DisplayName("equal content makes equal change sets, and toString shows the JSON")
    void equality() {
      assertThat(changes("[1, [0, \"x\"], 2]")).isEqualTo(ChangeSet.of(3, 1, 1, "x"))
          .hasSameHashCodeAs(ChangeSet.of(3, 1, 1, "x"))
          .isNotEqualTo(ChangeSet.of(3, 1, 1, "y"))
          .hasToString("ChangeSet[1,[0,\"x\"],2]");
    }
  }
}

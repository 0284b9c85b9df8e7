package io.collab.documents;

import io.collab.support.EditorModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java change sets, {@link Rebase} and the test {@link EditorModel} give exactly what the real CodeMirror gives:
 * every vector in {@code documents/cm6-vectors.json} was computed by {@code @codemirror/state} and
 * {@code @codemirror/collab} (see {@code src/test/js/cm6-vectors/generate.mjs}).
 */
class CodeMirrorVectorsTest {

  private static final JsonObject VECTORS = load("/documents/cm6-vectors.json");

  @TestFactory
  @DisplayName("apply gives CodeMirror's document, and toJson gives back the JSON CodeMirror wrote")
  Stream<DynamicTest> apply() {
    return each("apply", vector -> {
      ChangeSet changes = changes(vector, "changes");
      assertThat(changes.toJson()).isEqualTo(vector.getJsonArray("changes"));
      assertThat(changes.apply(vector.getString("doc"))).isEqualTo(vector.getString("result"));
    });
  }

  @TestFactory
  @DisplayName("compose gives CodeMirror's sections and inserted text")
  Stream<DynamicTest> compose() {
    return eachPair("compose", (vector, a, b) -> {
      ChangeSet composed = a.compose(b);
      assertThat(composed.toJson()).isEqualTo(vector.getJsonArray("result"));
      String doc = vector.getString("doc");
      assertThat(composed.apply(doc)).isEqualTo(b.apply(a.apply(doc)));
    });
  }

  @TestFactory
  @DisplayName("map gives CodeMirror's result with before true and false")
  Stream<DynamicTest> map() {
    return eachPair("map", (vector, a, b) -> {
      assertThat(a.map(b, true).toJson()).isEqualTo(vector.getJsonArray("before"));
      assertThat(a.map(b, false).toJson()).isEqualTo(vector.getJsonArray("after"));
    });
  }

  @TestFactory
  @DisplayName("Rebase.rebase gives what rebaseUpdates gives; Authority.push rebases over one accepted update at a time")
  Stream<DynamicTest> rebase() {
    return each("rebase", vector -> {
      List<Update> over = updates(vector.getJsonArray("over"));
      List<Update> pushed = updates(vector.getJsonArray("pushed"));
      List<Update> rebased = Rebase.rebase(pushed, over);
      assertThat(new JsonArray(rebased.stream().map(Update::toJson).toList()))
          .isEqualTo(vector.getJsonArray("result"));

      // Authority maps one accepted update at a time: per update, that is rebaseUpdates exactly
      String current = applyAll(vector.getString("doc"), over);
      List<Update> oneAtATime = pushed;
      for (Update accepted : over) {
        oneAtATime = Rebase.rebase(oneAtATime, List.of(accepted));
      }
      Authority.Accepted accepted = Authority.push(current, over, pushed);
      assertThat(accepted.updates()).isEqualTo(oneAtATime);
      assertThat(accepted.text()).isEqualTo(applyAll(current, oneAtATime));
    });
  }

  @TestFactory
  @DisplayName("EditorModel.receive gives what receiveUpdates gives: text, version and unconfirmed changes")
  Stream<DynamicTest> receive() {
    return each("receive", vector -> {
      EditorModel editor = new EditorModel("me", vector.getString("doc"), 0);
      vector.getJsonArray("edits").forEach(edit -> editor.edit(ChangeSet.fromJson(edit)));
      List<Update> log = updates(vector.getJsonArray("log"));
      JsonArray batches = vector.getJsonArray("batches");
      int at = 0;
      for (int i = 0; i < batches.size(); i++) {
        int size = batches.getInteger(i);
        editor.receive(at, log.subList(at, at + size));
        at += size;
        JsonObject expected = vector.getJsonArray("states").getJsonObject(i);
        assertThat(editor.text()).isEqualTo(expected.getString("doc"));
        assertThat(editor.version()).isEqualTo(expected.getLong("version"));
        assertThat(new JsonArray(editor.sendable().stream().map(update -> update.changes().toJson()).toList()))
            .isEqualTo(expected.getJsonArray("unconfirmed"));
      }
    });
  }

  private static Stream<DynamicTest> each(String kind, Consumer<JsonObject> check) {
    JsonArray vectors = VECTORS.getJsonArray(kind);
    assertThat(vectors).isNotEmpty();
    return IntStream.range(0, vectors.size())
        .mapToObj(i -> DynamicTest.dynamicTest(kind + " #" + i + " " + vectors.getJsonObject(i).encode(),
            () -> check.accept(vectors.getJsonObject(i))));
  }

  /** A check of a vector that combines two change sets, {@code a} and {@code b}. */
  private interface PairCheck {
    void accept(JsonObject vector, ChangeSet a, ChangeSet b);
  }

  private static Stream<DynamicTest> eachPair(String kind, PairCheck check) {
    return each(kind, vector -> check.accept(vector, changes(vector, "a"), changes(vector, "b")));
  }

  private static List<Update> updates(JsonArray json) {
    return IntStream.range(0, json.size()).mapToObj(i -> Update.fromJson(json.getJsonObject(i))).toList();
  }

  private static String applyAll(String doc, List<Update> updates) {
    for (Update update : updates) {
      doc = update.changes().apply(doc);
    }
    return doc;
  }

  private static JsonObject load(String resource) {
    try (InputStream in = CodeMirrorVectorsTest.class.getResourceAsStream(resource)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The change set a vector gives under {@code key}, as CodeMirror wrote it. */
  private static ChangeSet changes(JsonObject vector, String key) {
    return ChangeSet.fromJson(vector.getJsonArray(key));
  }
}

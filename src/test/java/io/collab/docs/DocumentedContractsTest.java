package io.collab.docs;

import io.collab.config.ConfigLoader;
import io.collab.realtime.CloseCode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documents that describe a contract say what the code does: a table that drifts from its enum or its
 * configuration file fails here, not in a user's hands.
 */
class DocumentedContractsTest {

  @Test
  @DisplayName("the README's settings table lists every setting of conf/config.json, with its variable and default")
  void readmeSettingsTableMatchesConfigJson() throws IOException {
    JsonObject fileDefaults = new JsonObject(Files.readString(Path.of("conf/config.json")));
    Map<String, String> expected = new LinkedHashMap<>();
    for (ConfigLoader.Setting setting : ConfigLoader.settings(fileDefaults)) {
      expected.put(setting.env(), shown(setting.defaultValue()));
    }
    Map<String, String> documented = new LinkedHashMap<>();
    for (List<String> row : tableRows(section(Files.readString(Path.of("README.md")), "## Configuration"))) {
      String variable = unquote(row.get(0));
      if (variable.startsWith("COLLAB_") && !variable.equals("COLLAB_CONFIG")) {
        // an empty default the README explains instead: "(by command)" for the log format
        documented.put(variable, unquote(row.get(1)).replace("(by command)", "(empty)"));
      }
    }
    assertThat(documented).containsExactlyInAnyOrderEntriesOf(expected);
  }

  @Test
  @DisplayName("docs/realtime.md's close-code table is CloseCode: same codes, reasons and reconnect advice")
  void closeCodeTableMatchesEnum() throws IOException {
    Set<String> documented = new LinkedHashSet<>();
    for (List<String> row : tableRows(section(Files.readString(Path.of("docs/realtime.md")), "## Close codes"))) {
      if (row.get(0).matches("\\d{4}")) {
        boolean reconnect = !row.get(row.size() - 1).replace("*", "").startsWith("No");
        documented.add(row.get(0) + " " + unquote(row.get(1)) + " " + reconnect);
      }
    }
    Set<String> declared = Arrays.stream(CloseCode.values())
        .map(c -> c.code + " " + c.reason + " " + c.reconnect)
        .collect(Collectors.toCollection(LinkedHashSet::new));
    assertThat(documented).containsExactlyInAnyOrderElementsOf(declared);
  }

  /** The text from a heading to the next heading of the same or a higher level. */
  private static String section(String markdown, String heading) {
    int start = markdown.indexOf("\n" + heading + "\n");
    assertThat(start).as("heading %s", heading).isNotNegative();
    String level = heading.substring(0, heading.indexOf(' ') + 1);
    int end = markdown.indexOf("\n" + level, start + heading.length() + 1);
    return markdown.substring(start, end < 0 ? markdown.length() : end);
  }

  /** The cells of each table row of the text, header and separator rows included. */
  private static List<List<String>> tableRows(String text) {
    return text.lines()
        .filter(line -> line.startsWith("|"))
        .map(line -> Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1)).map(String::trim).toList())
        .toList();
  }

  private static String unquote(String cell) {
    return cell.replace("`", "");
  }

  /** A default as the README shows it: the value, or "(empty)" for an empty string. */
  private static String shown(Object value) {
    String text = String.valueOf(value);
    return text.isEmpty() ? "(empty)" : text;
  }
}

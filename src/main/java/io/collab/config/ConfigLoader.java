package io.collab.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads settings once, at start: the defaults shipped in the jar (a copy of {@code conf/config.json}), then the file
 * named by {@code COLLAB_CONFIG} or {@code ./conf/config.json} if present, then environment variables.
 *
 * <p>Every leaf setting has exactly one environment variable, derived from its path: {@code http.bodyLimit} is
 * {@code COLLAB_HTTP_BODY_LIMIT}. Environment variables win, so secrets never have to live in a file.
 */
public final class ConfigLoader {

  public static final String DEFAULTS_RESOURCE = "config.json";

  /** One setting as {@code --help} lists it. */
  public record Setting(String path, String env, Object defaultValue) {}

  private ConfigLoader() {}

  public static JsonObject load(Map<String, String> env) {
    JsonObject config = defaults();
    Path file = Path.of(env.getOrDefault("COLLAB_CONFIG", "conf/config.json"));
    if (Files.isRegularFile(file)) {
      config.mergeIn(readFile(file), true);
    } else if (env.containsKey("COLLAB_CONFIG")) {
      throw new ConfigException("COLLAB_CONFIG: no such file " + file.toAbsolutePath());
    }
    for (Setting setting : settings(defaults())) {
      String value = env.get(setting.env());
      if (value != null) {
        put(config, setting, value);
      }
    }
    return config;
  }

  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("config.json is missing from the class path");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every leaf of the defaults, in file order. */
  public static List<Setting> settings(JsonObject defaults) {
    List<Setting> out = new ArrayList<>();
    collect(defaults, "", out);
    return out;
  }

  public static String envName(String path) {
    StringBuilder sb = new StringBuilder("COLLAB_");
    for (char c : path.toCharArray()) {
      if (c == '.') {
        sb.append('_');
      } else if (Character.isUpperCase(c)) {
        sb.append('_').append(c);
      } else {
        sb.append(Character.toUpperCase(c));
      }
    }
    return sb.toString();
  }

  private static void collect(JsonObject node, String prefix, List<Setting> out) {
    for (String key : node.fieldNames()) {
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      Object value = node.getValue(key);
      if (value instanceof JsonObject child) {
        collect(child, path, out);
      } else {
        out.add(new Setting(path, envName(path), value));
      }
    }
  }

  private static JsonObject readFile(Path file) {
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    } catch (DecodeException e) {
      throw new ConfigException(file + " is not valid JSON: " + e.getMessage());
    }
  }

  private static void put(JsonObject config, Setting setting, String raw) {
    String[] parts = setting.path().split("\\.");
    JsonObject node = config;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
    }
    String key = parts[parts.length - 1];
    Object def = setting.defaultValue();
    try {
      if (def instanceof Boolean) {
        if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
          throw new NumberFormatException();
        }
        node.put(key, Boolean.parseBoolean(raw));
      } else if (def instanceof Integer || def instanceof Long) {
        node.put(key, Long.parseLong(raw.trim()));
      } else if (def instanceof Number) {
        node.put(key, Double.parseDouble(raw.trim()));
      } else if (def instanceof JsonArray) {
        JsonArray list = new JsonArray();
        for (String item : raw.split(",")) {
          if (!item.isBlank()) {
            list.add(item.trim());
          }
        }
        node.put(key, list);
      } else {
        node.put(key, raw);
      }
    } catch (NumberFormatException e) {
      String expected = def instanceof Boolean ? "true or false" : "a number";
      throw new ConfigException(setting.env() + " must be " + expected + ", got '" + raw + "'");
    }
  }
}

package io.collab.config;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.List;

/**
 * One section of the configuration ({@code "jobs": {…}}) and typed reads of its settings, each named once by its key:
 * a refused value is reported by its full path ({@code jobs.leaseMs must be at least 1000, got 5}).
 */
final class Section {

  private final String name;
  private final JsonObject json;

  private Section(String name, JsonObject json) {
    this.name = name;
    this.json = json;
  }

  static Section of(JsonObject config, String name) {
    JsonObject section = config.getJsonObject(name);
    if (section == null) {
      throw new ConfigException("missing section '" + name + "' in the configuration");
    }
    return new Section(name, section);
  }

  /** The setting's full path, as errors and the README name it. */
  String path(String key) {
    return name + "." + key;
  }

  String string(String key) {
    return json.getString(key);
  }

  String string(String key, String otherwise) {
    return json.getString(key, otherwise);
  }

  boolean flag(String key, boolean otherwise) {
    return json.getBoolean(key, otherwise);
  }

  /** A comma-separated list, blanks dropped: {@code "python, node"}. */
  List<String> list(String key) {
    return Arrays.stream(json.getString(key).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  int intAtLeast(String key, int min) {
    Integer value = json.getInteger(key);
    if (value == null || value < min) {
      throw new ConfigException(path(key) + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  long longAtLeast(String key, long min) {
    Long value = json.getLong(key);
    if (value == null || value < min) {
      throw new ConfigException(path(key) + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  int intBetween(String key, int min, int max) {
    Integer value = json.getInteger(key);
    if (value == null || value < min || value > max) {
      throw new ConfigException(path(key) + " must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  int port(String key) {
    Integer value = json.getInteger(key);
    if (value == null || value < 0 || value > 65535) {
      throw new ConfigException(path(key) + " must be a port number (0-65535), got " + value);
    }
    return value;
  }
}

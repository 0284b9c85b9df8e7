package io.collab.config;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What an instance does. `COLLAB_ROLES` picks any combination, so API nodes and workers scale apart. */
public enum NodeRole {
  API, REALTIME, PERSISTENCE, WORKER;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a comma list such as {@code api,worker}; an unknown name is a configuration error. */
  public static Set<NodeRole> parseList(String list) {
    EnumSet<NodeRole> roles = EnumSet.noneOf(NodeRole.class);
    for (String part : list.split(",")) {
      String name = part.trim();
      if (name.isEmpty()) {
        continue;
      }
      try {
        roles.add(NodeRole.valueOf(name.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("roles: unknown role '" + name + "' (expected api, realtime, persistence, worker)");
      }
    }
    if (roles.isEmpty()) {
      throw new ConfigException("roles: at least one of api, realtime, persistence, worker is required");
    }
    return roles;
  }

  public static String toList(Set<NodeRole> roles) {
    return roles.stream().map(NodeRole::key).collect(Collectors.joining(","));
  }
}

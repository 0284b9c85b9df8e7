package io.collab.app;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What an instance does. `COLLAB_ROLES` picks any combination, so API nodes and workers scale apart. */
public enum Role {
  API, REALTIME, PERSISTENCE, WORKER;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a comma list such as {@code api,worker}; an unknown name is a configuration error. */
  public static Set<Role> parseList(String list) {
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    for (String part : list.split(",")) {
      String name = part.trim();
      if (name.isEmpty()) {
        continue;
      }
      try {
        roles.add(Role.valueOf(name.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("roles: unknown role '" + name + "' (expected api, realtime, persistence, worker)");
      }
    }
    if (roles.isEmpty()) {
      throw new ConfigException("roles: at least one of api, realtime, persistence, worker is required");
    }
    return roles;
  }

  public static String toList(Set<Role> roles) {
    return roles.stream().map(Role::key).collect(Collectors.joining(","));
  }
}

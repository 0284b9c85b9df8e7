package io.collab.workspace;

import java.util.Locale;

/**
 * A user's role in one workspace, as stored in {@code workspace_members.role} and sent over the API. The project
 * owner holds {@link #OWNER} in every workspace of the project whether or not a membership row says so
 * ({@link Access#effectiveRoleSql}).
 */
public enum WorkspaceRole {
  OWNER, COLLABORATOR, VIEWER;

  /** The stored and wire name: {@code owner}, {@code collaborator}, {@code viewer}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role named {@code key}, or null for null or any other text (no role: not a member). */
  public static WorkspaceRole of(String key) {
    if (key == null) {
      return null;
    }
    for (WorkspaceRole role : values()) {
      if (role.key().equals(key)) {
        return role;
      }
    }
    return null;
  }
}

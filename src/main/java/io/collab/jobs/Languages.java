package io.collab.jobs;

import java.util.Map;

/** Which language runs a workspace file when a submit names none: its extension decides. */
public final class Languages {

  private static final Map<String, String> EXTENSIONS = Map.of(".py", "python", ".js", "javascript", ".sh", "bash");

  private Languages() {}

  /** The language {@code path}'s extension names, or null (no extension, or one no language claims). */
  public static String ofPath(String path) {
    int dot = path.lastIndexOf('.');
    return dot <= path.lastIndexOf('/') ? null : EXTENSIONS.get(path.substring(dot));
  }
}

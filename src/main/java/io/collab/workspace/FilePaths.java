package io.collab.workspace;

import io.collab.documents.DocumentText;

/**
 * The rule for a workspace file's path: a relative POSIX path of 1 to 255 UTF-8 bytes, with no leading {@code /}, no
 * {@code .}, {@code ..} or empty segment (so no trailing {@code /} and no {@code //}), no backslash, and no NUL or
 * other control character. A job copies the workspace's files into its sandbox under these paths, so none may climb
 * out of the directory or mean something else on another system.
 */
final class FilePaths {

  static final int MAX_BYTES = 255;

  private FilePaths() {}

  /** Why {@code path} is not a valid file path, or null when it is. */
  static String problem(String path) {
    if (path == null || path.isEmpty()) {
      return "a path is required";
    }
    if (DocumentText.utf8Bytes(path) > MAX_BYTES) {
      return "a path holds at most " + MAX_BYTES + " UTF-8 bytes";
    }
    if (path.startsWith("/")) {
      return "a path is relative: no leading /";
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '\\') {
        return "a path separates its segments with /, never a backslash";
      }
      if (Character.isISOControl(c)) {
        return "a path holds no NUL or other control character";
      }
    }
    if (DocumentText.unstorable(path) != null) {
      return "a path holds no unpaired surrogate";
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return "a path has no empty, . or .. segment";
      }
    }
    return null;
  }
}

package io.collab.jobs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A job's snapshot of workspace files, written to a fresh private directory on the worker's host; the sandbox
 * copies it into the run's working directory ({@link Sandbox#run(io.vertx.core.Vertx, String, String, WorkspaceCopy,
 * String, SandboxLimits, Sandbox.OutputListener)}). Blocking: create and close it on a worker thread.
 *
 * <p>Every path is checked again here, whatever the API accepted when the file was stored: relative, 1-255 bytes,
 * no empty, {@code .} or {@code ..} segment, no backslash or control character. Directories are made one segment
 * at a time, and a segment that exists already must be a directory of this copy, never a symbolic link; files are
 * created new ({@code O_EXCL}, not following links). So nothing is written outside the directory.
 */
final class WorkspaceCopy implements AutoCloseable {

  /** A snapshot no worker can run (a path refused, two files in one place, too many bytes): a result, not retried. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private final Path dir;
  private final String entry;

  private WorkspaceCopy(Path dir, String entry) {
    this.dir = dir;
    this.entry = entry;
  }

  /**
   * Writes {@code files} ({@code [{"path", "content"}...]}) to a new directory.
   *
   * @param entry the path of the file to run; must be one of {@code files}
   * @param maxBytes most UTF-8 bytes of content in all ({@code jobs.workspaceBytes})
   * @param owner the host uid the sandboxed run reads as, when it is not this JVM's; the copy is handed to it
   */
  static WorkspaceCopy write(JsonArray files, String entry, long maxBytes, OptionalInt owner)
      throws IOException, Refused {
    Path dir = Files.createTempDirectory("collab-workspace-", PRIVATE_DIR);
    try {
      own(dir, owner);
      Set<String> written = new HashSet<>();
      long bytes = 0;
      for (Object item : files) {
        JsonObject file = item instanceof JsonObject object ? object : new JsonObject();
        String path = file.getString("path");
        byte[] content = file.getString("content", "").getBytes(StandardCharsets.UTF_8);
        bytes += content.length;
        if (bytes > maxBytes) {
          throw new Refused("the workspace's files exceed jobs.workspaceBytes (" + maxBytes + " bytes)");
        }
        place(dir, path, content, owner);
        written.add(path);
      }
      if (!written.contains(entry)) {
        throw new Refused("the file to run (" + entry + ") is not among the workspace's files");
      }
      return new WorkspaceCopy(dir, entry);
    } catch (IOException | Refused | RuntimeException e) {
      delete(dir);
      throw e;
    }
  }

  /** The host directory holding the copy. */
  Path dir() {
    return dir;
  }

  /** The path of the file to run, relative to {@link #dir()}. */
  String entry() {
    return entry;
  }

  /** Deletes the copy. */
  @Override
  public void close() {
    delete(dir);
  }

  /** Writes {@code content} to a new file at {@code path} under {@code dir}, making the directories on the way. */
  static void place(Path dir, String path, byte[] content, OptionalInt owner) throws IOException, Refused {
    writeFile(dir, checked(dir, path), content, owner);
  }

  /** {@code path} under {@code dir}, or refused when it is not a plain relative path that stays there. */
  private static Path checked(Path dir, String path) throws Refused {
    if (path == null || path.isEmpty() || path.getBytes(StandardCharsets.UTF_8).length > 255) {
      throw new Refused("workspace path refused (1 to 255 bytes): " + path);
    }
    if (path.startsWith("/") || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '\\')) {
      throw new Refused("workspace path refused (absolute, backslash or control character): " + path);
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new Refused("workspace path refused (empty, . or .. segment): " + path);
      }
    }
    Path target = dir.resolve(path).normalize();
    if (!target.startsWith(dir) || target.equals(dir)) {
      throw new Refused("workspace path refused (outside the working directory): " + path);
    }
    return target;
  }

  private static void writeFile(Path dir, Path target, byte[] content, OptionalInt owner)
      throws IOException, Refused {
    Path parent = dir;
    for (Path segment : dir.relativize(target.getParent() == null ? dir : target.getParent())) {
      if (segment.toString().isEmpty()) {
        break;  // the file sits at the top: no directory to make
      }
      parent = parent.resolve(segment);
      if (Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
          throw new Refused("workspace path refused (" + dir.relativize(parent) + " is a file or a link): "
              + dir.relativize(target));
        }
      } else {
        Files.createDirectory(parent, PRIVATE_DIR);
        own(parent, owner);
      }
    }
    try (SeekableByteChannel out = Files.newByteChannel(target, Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), PRIVATE_FILE)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    } catch (FileAlreadyExistsException e) {
      throw new Refused("workspace path refused (another file or a directory is there): " + dir.relativize(target));
    }
    own(target, owner);
  }

  private static void own(Path path, OptionalInt owner) throws IOException {
    if (owner.isPresent()) {
      Files.setAttribute(path, "unix:uid", owner.getAsInt(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", owner.getAsInt(), LinkOption.NOFOLLOW_LINKS);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // gone already, or the temporary directory is being cleared: nothing of ours is left to delete
    }
  }
}

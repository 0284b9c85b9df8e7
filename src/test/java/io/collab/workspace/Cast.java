package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.params.provider.Arguments;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The people of the permission matrices ({@link PermissionMatrixTest}, {@link FilePermissionsTest}), one for each
 * column of the README's table, and the fresh workspace each cell is played in.
 */
final class Cast {

  /** The columns of a permission table. */
  enum Who {
    PROJECT_OWNER, WORKSPACE_OWNER, COLLABORATOR, VIEWER, OUTSIDER, ANONYMOUS;

    @Override
    public String toString() {
      return switch (this) {
        case PROJECT_OWNER -> "project owner";
        case WORKSPACE_OWNER -> "workspace owner";
        case OUTSIDER -> "anyone else";
        case ANONYMOUS -> "caller without a token";
        default -> name().toLowerCase(Locale.ROOT);
      };
    }
  }

  /** A project and its one workspace, everybody in place. */
  record Stage(long projectId, long workspaceId) {}

  final Actor projectOwner;
  final Actor workspaceOwner;
  final Actor collaborator;
  final Actor viewer;
  final Actor outsider;
  private final Actors actors;

  Cast(Actors actors) {
    this.actors = actors;
    projectOwner = actors.register("projectowner");
    workspaceOwner = actors.register("wsowner");
    collaborator = actors.register("collaborator");
    viewer = actors.register("viewer");
    outsider = actors.register("outsider");
  }

  /** Who calls in a column; {@code null}, which sends no token, for {@link Who#ANONYMOUS}. */
  Actor actor(Who who) {
    return switch (who) {
      case PROJECT_OWNER -> projectOwner;
      case WORKSPACE_OWNER -> workspaceOwner;
      case COLLABORATOR -> collaborator;
      case VIEWER -> viewer;
      case OUTSIDER -> outsider;
      case ANONYMOUS -> null;
    };
  }

  /**
   * A new project of the project owner with one workspace in it, where the workspace owner has the owner role (without
   * owning the project), the collaborator and the viewer theirs, and the outsider none.
   */
  Stage stage(String name) {
    long project = actors.createProject(projectOwner, name, name).getLong("id");
    long workspace = actors.createWorkspace(projectOwner, project, name).getLong("id");
    actors.addMember(projectOwner, workspace, workspaceOwner, "owner");
    actors.addMember(projectOwner, workspace, collaborator, "collaborator");
    actors.addMember(projectOwner, workspace, viewer, "viewer");
    return new Stage(project, workspace);
  }

  /** Both answers are the same kind of 404: an outsider cannot tell a hidden resource from a missing one. */
  static void assertBothNotFound(HttpResponse<Buffer> forHidden, HttpResponse<Buffer> forMissing) {
    assertThat(forHidden.statusCode()).isEqualTo(404);
    assertThat(forMissing.statusCode()).isEqualTo(404);
    assertThat(forHidden.getHeader("content-type")).isEqualTo(forMissing.getHeader("content-type"));
  }

  /** A permission table for {@code @MethodSource}: its rows ({@link #row}) one after the other. */
  @SafeVarargs
  static Stream<Arguments> table(Stream<Arguments>... rows) {
    return Stream.of(rows).flatMap(row -> row);
  }

  /** One row of a table as (operation, who, expected status) arguments: {@code statuses} in {@code columns} order. */
  static Stream<Arguments> row(Object operation, List<Who> columns, int... statuses) {
    return IntStream.range(0, columns.size()).mapToObj(i -> Arguments.of(operation, columns.get(i), statuses[i]));
  }

  /**
   * Plays one cell of a table: {@code call} answers {@code expected}, and a refusal carries its error code and leaves
   * what {@code state} sees as it was.
   */
  static void assertCell(String cell, int expected, Supplier<?> state, Supplier<HttpResponse<Buffer>> call) {
    Object before = state.get();

    HttpResponse<Buffer> response = call.get();

    assertThat(response.statusCode()).as("%s: %s", cell, response.bodyAsString()).isEqualTo(expected);
    if (expected >= 400) {
      assertThat(response.bodyAsJsonObject().getString("error")).as("error code of %s", cell).isEqualTo(refusal(expected));
      assertThat(state.get()).as("state after a refused %s", cell).isEqualTo(before);
    }
  }

  private static String refusal(int status) {
    return switch (status) {
      case 401 -> "token_invalid";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      default -> throw new IllegalArgumentException("not a refusal: " + status);
    };
  }
}

package io.collab.support;

import io.collab.support.Actors.Actor;

/** Workspaces with members of each role, arranged over the public REST API through {@link Actors}. */
public final class Teams {

  /** A workspace (in a project of its own) with one member of each role; the owner owns the project too. */
  public record Team(long projectId, long workspaceId, Actor owner, Actor collaborator, Actor viewer) {}

  private Teams() {}

  /** A new project of {@code owner} with one new workspace in it; returns the workspace id. */
  public static long workspace(Actors actors, Actor owner) {
    long project = actors.createProject(owner, "project of " + owner.username()).getLong("id");
    return actors.createWorkspace(owner, project, "workspace").getLong("id");
  }

  /** New users as owner, collaborator and viewer of a new workspace. */
  public static Team create(Actors actors) {
    Actor owner = actors.register("owner");
    long project = actors.createProject(owner, "project of " + owner.username()).getLong("id");
    long workspace = actors.createWorkspace(owner, project, "workspace").getLong("id");
    Actor collaborator = actors.register("collaborator");
    Actor viewer = actors.register("viewer");
    actors.addMember(owner, workspace, collaborator, "collaborator");
    actors.addMember(owner, workspace, viewer, "viewer");
    return new Team(project, workspace, owner, collaborator, viewer);
  }
}

package io.collab.support;

import io.collab.support.Actors.Actor;
import io.collab.support.Teams.Team;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A new {@link Team}'s workspace holding files its owner created, for tests of jobs that run a workspace file: each
 * file's id by path, and the submit body of a job that runs one.
 */
public record JobWorkspace(Actors actors, Team team, Map<String, Long> files) {

  /** A new team whose owner creates the files given as path and content pairs, in that order. */
  public static JobWorkspace create(Actors actors, String... pathsAndContents) {
    Team team = Teams.create(actors);
    Map<String, Long> files = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      files.put(pathsAndContents[i],
          Documents.create(actors, team.owner(), team.workspaceId(), pathsAndContents[i], pathsAndContents[i + 1]));
    }
    return new JobWorkspace(actors, team, files);
  }

  public long workspaceId() {
    return team.workspaceId();
  }

  public Actor owner() {
    return team.owner();
  }

  public long file(String path) {
    Long id = files.get(path);
    if (id == null) {
      throw new IllegalArgumentException("no file " + path + " was created in this workspace: " + files.keySet());
    }
    return id;
  }

  /** The body of {@code POST /api/jobs/submit/} for a job that runs {@code path}. */
  public JsonObject job(String path) {
    return new JsonObject().put("workspace_id", workspaceId()).put("file_id", file(path));
  }

  /** Replaces the content of {@code path}, as the owner; fails the test unless that is a 200. */
  public void replace(String path, String content) {
    Actors.expect(actors.put(owner(), Documents.file(workspaceId(), file(path)),
        new JsonObject().put("content", content)), 200);
  }
}

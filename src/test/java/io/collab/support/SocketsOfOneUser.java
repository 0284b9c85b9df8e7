package io.collab.support;

import io.collab.support.Actors.Actor;
import io.collab.support.Sockets.Client;

/**
 * One user's sockets on two workspaces of their own, each in a project of its own: for what one workspace must
 * keep from the other (its events, its seq, its deletion).
 */
public record SocketsOfOneUser(Actor user, long firstWorkspace, Client first, long secondWorkspace, Client second)
    implements AutoCloseable {

  /** A new user with two new workspaces, joined on both. */
  public static SocketsOfOneUser join(TestApp app, Actors actors) {
    Actor user = actors.register("user");
    long firstWorkspace = Teams.workspace(actors, user);
    long secondWorkspace = Teams.workspace(actors, user);
    Client first = Sockets.join(app, firstWorkspace, user.access());
    try {
      return new SocketsOfOneUser(user, firstWorkspace, first, secondWorkspace,
          Sockets.join(app, secondWorkspace, user.access()));
    } catch (RuntimeException | Error failed) {
      first.close();
      throw failed;
    }
  }

  @Override
  public void close() {
    try {
      second.close();
    } finally {
      first.close();
    }
  }
}

package io.collab.support;

import io.collab.support.Actors.Actor;
import io.collab.support.Sockets.Client;
import io.collab.support.Sockets.RawSocket;
import io.collab.support.Teams.Team;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What most realtime tests start from: a new team ({@link Teams#create}) whose members join its workspace, each on
 * the instance the test names, in the order the test names them, for example
 * {@code SocketTeam.create(actors).join(first, OWNER).join(second, VIEWER)}. Closing it closes every socket opened
 * through it, the last opened first, as a try-with-resources of each would.
 */
public final class SocketTeam implements AutoCloseable {

  /** The members of a {@link Team}, one of each role. */
  public enum Role {
    OWNER, COLLABORATOR, VIEWER;

    private Actor of(Team team) {
      return switch (this) {
        case OWNER -> team.owner();
        case COLLABORATOR -> team.collaborator();
        case VIEWER -> team.viewer();
      };
    }
  }

  private final Team team;
  /** The first socket each role joined with, in the order they joined. */
  private final Map<Role, Client> joined = new LinkedHashMap<>();
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

  private SocketTeam(Team team) {
    this.team = team;
  }

  /** A new workspace with one new member of each role, none of them connected yet. */
  public static SocketTeam create(Actors actors) {
    return new SocketTeam(Teams.create(actors));
  }

  /** The workspace and its members. */
  public Team team() {
    return team;
  }

  /** The user who is {@code member} of the workspace. */
  public Actor member(Role member) {
    return member.of(team);
  }

  /**
   * Each of {@code members} joins on {@code app}, one after the other ({@link Sockets#join}); this team. If one
   * cannot, the sockets already open are closed, since no try-with-resources holds them yet.
   */
  public SocketTeam join(TestApp app, Role... members) {
    try {
      for (Role member : members) {
        if (joined.containsKey(member)) {
          throw new IllegalStateException(member + " has joined already: another socket is another(app, member)");
        }
        joined.put(member, another(app, member));
      }
      return this;
    } catch (RuntimeException | Error failed) {
      close();
      throw failed;
    }
  }

  /** One more socket of {@code member} on {@code app}, once its presence_state has arrived. */
  public Client another(TestApp app, Role member) {
    return opened(Sockets.join(app, team.workspaceId(), member.of(team).access()));
  }

  /** The owner's socket, the first it joined with. */
  public Client owner() {
    return socket(Role.OWNER);
  }

  /** The collaborator's socket, the first it joined with. */
  public Client collaborator() {
    return socket(Role.COLLABORATOR);
  }

  /** The viewer's socket, the first it joined with. */
  public Client viewer() {
    return socket(Role.VIEWER);
  }

  /** The first socket of every member that joined, in the order they joined. */
  public List<Client> joined() {
    return List.copyOf(joined.values());
  }

  /** {@code member}'s socket, the first it joined with. */
  public Client socket(Role member) {
    Client socket = joined.get(member);
    if (socket == null) {
      throw new IllegalStateException(member + " has not joined");
    }
    return socket;
  }

  /** {@code member}'s socket path on the workspace, with its access token. */
  private String path(Role member) {
    return Sockets.path(team.workspaceId(), member.of(team).access());
  }

  /**
   * {@code member} reconnecting to {@code app} from broadcast {@code since} of {@code epoch}: its socket, once the
   * first message has been checked to be the presence_state (kept in {@link Client#presence}); the replay follows.
   */
  public Client resume(TestApp app, Role member, long since, String epoch) {
    return resume(app, Sockets.path(team.workspaceId(), member.of(team).access(), since, epoch));
  }

  /** As {@link #resume(TestApp, Role, long, String)} without an epoch, as clients older than epochs reconnect. */
  public Client resume(TestApp app, Role member, long since) {
    return resume(app, Sockets.path(team.workspaceId(), member.of(team).access(), since));
  }

  private Client resume(TestApp app, String uri) {
    Client client = opened(Sockets.connect(app, uri));
    client.presence = client.next();
    assertThat(client.presence.getString("type")).as("the first message on reconnecting").isEqualTo("presence_state");
    return client;
  }

  /** {@code member}'s socket spoken by hand, with the kernel's default receive buffer. */
  public RawSocket raw(TestApp app, Role member) {
    return raw(app, member, 0);
  }

  /** {@code member}'s socket spoken by hand, with a receive buffer of {@code receiveBufferBytes}. */
  public RawSocket raw(TestApp app, Role member, int receiveBufferBytes) {
    return opened(RawSocket.open(app.port, path(member), receiveBufferBytes));
  }

  private <T extends AutoCloseable> T opened(T socket) {
    opened.push(socket);
    return socket;
  }

  @Override
  public void close() {
    while (!opened.isEmpty()) {
      try {
        opened.pop().close();
      } catch (Exception ignored) {
        // best effort, as each socket's own close is: the others are closed all the same
      }
    }
  }
}

package io.collab.support;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * WebSocket clients of the realtime endpoint {@code /ws/workspaces/{id}/?token=...}, as a browser would be: connect,
 * send events, collect what the server sends, and see how the socket was closed. Plus a raw TCP client that speaks
 * just enough of RFC 6455 to behave badly (never read, never answer pings).
 */
public final class Sockets {

  /** How long a test waits for something it expects. */
  public static final Duration WAIT = Duration.ofSeconds(10);

  private Sockets() {}

  /** {@code /ws/workspaces/{id}/?token=<token>} (with the trailing slash). */
  public static String path(long workspaceId, String token) {
    return "/ws/workspaces/" + workspaceId + "/?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
  }

  /** {@code /ws/workspaces/{id}/?token=<token>&since=<since>}. */
  public static String path(long workspaceId, String token, long since) {
    return path(workspaceId, token) + "&since=" + since;
  }

  /** {@code /ws/workspaces/{id}/?token=<token>&since=<since>&epoch=<epoch>}: a reconnection after broadcast since. */
  public static String path(long workspaceId, String token, long since, String epoch) {
    return path(workspaceId, token, since) + "&epoch=" + URLEncoder.encode(epoch, StandardCharsets.UTF_8);
  }

  /** Opens a socket on {@code uri}; the future fails with {@link UpgradeRejectedException} if refused. */
  public static Future<Client> open(TestApp app, String uri) {
    WebSocketClient client = app.vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(1 << 20).setMaxMessageSize(4 << 20));
    Client c = new Client(client, client.webSocket());
    return c.ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(app.port).setURI(uri))
        .map(ws -> c)
        .onFailure(err -> client.close());
  }

  /** Opens a socket on {@code uri}; fails the test if the handshake is refused. */
  public static Client connect(TestApp app, String uri) {
    try {
      return open(app, uri).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no handshake answer on " + redact(uri) + " within " + WAIT, e);
    } catch (UpgradeRejectedException e) {
      throw new AssertionError("handshake on " + redact(uri) + " refused with " + e.getStatus() + ": "
          + e.getBody(), e);
    }
  }

  /** Opens a socket on the workspace with {@code token}, and waits for its {@code presence_state}. */
  public static Client join(TestApp app, long workspaceId, String token) {
    Client client = connect(app, path(workspaceId, token));
    client.presence = client.awaitType("presence_state");
    return client;
  }

  /** The handshake's refusal, or a test failure if it is accepted. */
  public static UpgradeRejectedException refusal(TestApp app, String uri) {
    try {
      Client accepted = open(app, uri).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      accepted.close();
      throw new AssertionError("handshake on " + redact(uri) + " was accepted");
    } catch (UpgradeRejectedException e) {
      return e;
    } catch (TimeoutException e) {
      throw new AssertionError("no handshake answer on " + redact(uri) + " within " + WAIT, e);
    }
  }

  public static Predicate<JsonObject> type(String type) {
    return message -> type.equals(message.getString("type"));
  }

  /** A broadcast of {@code event}. */
  public static Predicate<JsonObject> event(String event) {
    return message -> "broadcast".equals(message.getString("type")) && event.equals(message.getString("event"));
  }

  /** A broadcast of {@code event} whose payload has {@code key} = {@code value}. */
  public static Predicate<JsonObject> event(String event, String key, Object value) {
    return event(event).and(message -> message.getValue("payload") instanceof JsonObject payload
        && value.equals(payload.getValue(key)));
  }

  /** A broadcast of {@code event} whose user is {@code user}: its sender, or for user_join and user_leave, who. */
  public static Predicate<JsonObject> event(String event, Actors.Actor user) {
    return event(event).and(message -> user.email().equals(message.getString("user")));
  }

  /** How the server closed a socket: the status and reason of its close frame (null if it sent none). */
  public record Closed(Short status, String reason) {}

  /** One socket and everything it received. */
  public static final class Client implements AutoCloseable {

    private final WebSocketClient owner;
    final ClientWebSocket ws;
    private final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
    /** Appended to by the event loop while a test reads it: a queue that may be copied as it grows. */
    private final Queue<String> history = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    /** The {@code presence_state} received on join, when opened with {@link #join}. */
    public JsonObject presence;

    Client(WebSocketClient owner, ClientWebSocket ws) {
      this.owner = owner;
      this.ws = ws;
      ws.textMessageHandler(text -> {
        history.add(text);
        JsonObject message;
        try {
          message = new JsonObject(text);
        } catch (RuntimeException e) {
          message = new JsonObject().put("unparsable_text", text);
        }
        inbox.add(message);
      });
      ws.binaryMessageHandler(data -> {
        history.add("<binary " + data.length() + " bytes>");
        inbox.add(new JsonObject().put("unexpected_binary_bytes", data.length()));
      });
      ws.exceptionHandler(errors::add);
      ws.closeHandler(v -> closed.complete(new Closed(ws.closeStatusCode(), ws.closeReason())));
    }

    /** The user_id of each user online in the presence_state it joined with. */
    public List<Long> presentUserIds() {
      return presence.getJsonArray("users").stream().map(u -> ((JsonObject) u).getLong("user_id")).toList();
    }

    /** {@code user}'s entry in the presence_state it joined with. */
    public JsonObject presenceOf(Actors.Actor user) {
      return presence.getJsonArray("users").stream().map(JsonObject.class::cast)
          .filter(u -> u.getLong("user_id") == user.id()).findFirst()
          .orElseThrow(() -> new AssertionError(user + " is not in " + presence));
    }

    public WebSocket socket() {
      return ws;
    }

    /** Sends {@code {"event", "payload"}}. */
    public void send(String event, JsonObject payload) {
      sendText(new JsonObject().put("event", event).put("payload", payload).encode());
    }

    /** Sends {@code {"event", "payload", "ref"}}. */
    public void send(String event, JsonObject payload, Object ref) {
      sendText(new JsonObject().put("event", event).put("payload", payload).put("ref", ref).encode());
    }

    public void sendText(String text) {
      ws.writeTextMessage(text).await();
    }

    public void sendBinary(Buffer data) {
      ws.writeBinaryMessage(data).await();
    }

    public void sendFrame(WebSocketFrame frame) {
      ws.writeFrame(frame).await();
    }

    /** Sends {@code frames}, one after the other; how the server then closed the socket, within {@link #WAIT}. */
    public Closed closedAfter(WebSocketFrame... frames) {
      for (WebSocketFrame frame : frames) {
        sendFrame(frame);
      }
      return awaitClose(WAIT);
    }

    /**
     * Sends a frame that may come too late: the server may already have closed the socket over an earlier one (the
     * frame is then dropped, which is what the test is about).
     */
    public void sendFrameUnlessClosed(WebSocketFrame frame) {
      ws.writeFrame(frame).otherwiseEmpty().await();
    }

    /** The next message, or a test failure after {@link #WAIT}. */
    public JsonObject next() {
      return next(WAIT);
    }

    public JsonObject next(Duration timeout) {
      JsonObject message = poll(timeout);
      if (message == null) {
        throw new AssertionError("no message within " + timeout + " (closed: " + closedNow() + "); received so far: "
            + received());
      }
      return message;
    }

    /** The next message, or null after {@code timeout}. */
    public JsonObject poll(Duration timeout) {
      try {
        return inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }

    /** Skips messages until one matches, within {@link #WAIT}; fails the test otherwise. */
    public JsonObject await(String what, Predicate<JsonObject> match) {
      List<JsonObject> upTo = upTo(what, match, WAIT);
      return upTo.get(upTo.size() - 1);
    }

    /**
     * Every message up to and including the first that matches, within {@code timeout}; fails the test if none
     * does.
     */
    public List<JsonObject> upTo(String what, Predicate<JsonObject> match, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      List<JsonObject> seen = new ArrayList<>();
      while (true) {
        long left = deadline - System.nanoTime();
        JsonObject message = left <= 0 ? null : poll(Duration.ofNanos(left));
        if (message == null) {
          throw new AssertionError("no " + what + " within " + timeout + " (closed: " + closedNow()
              + "); skipped: " + seen);
        }
        seen.add(message);
        if (match.test(message)) {
          return seen;
        }
      }
    }

    public List<JsonObject> upTo(String what, Predicate<JsonObject> match) {
      return upTo(what, match, WAIT);
    }

    /**
     * Every message this socket receives up to the broadcast of a marker event that {@code sender} (this socket or
     * another on the workspace) sends now: a barrier, behind which whatever should not have come would have.
     */
    public List<JsonObject> upToMarkerFrom(Client sender) {
      String id = UUID.randomUUID().toString();
      sender.send("marker", new JsonObject().put("id", id));
      return upTo("the marker", event("marker", "id", id));
    }

    /**
     * The error answering what this socket last sent, once the socket has shown it is still served: a ping (which
     * every role may send) sent after the refusal is acked.
     */
    public JsonObject refusalThenServed() {
      JsonObject error = await("the refusal", type("error").or(type("ack")));
      String ref = "after-" + UUID.randomUUID();
      send("ping", new JsonObject(), ref);
      assertThat(await("the ack of " + ref, type("ack").or(type("error"))).getValue("ref")).isEqualTo(ref);
      return error;
    }

    /** Closes this socket, and returns the user_leave that {@code watcher} then receives. */
    public JsonObject leaveSeenBy(Client watcher) {
      close();
      return watcher.await("a user_leave", event("user_leave"));
    }

    public JsonObject awaitType(String type) {
      return await("message of type " + type, Sockets.type(type));
    }

    /** The next broadcast of {@code event}, skipping anything else. */
    public JsonObject awaitEvent(String event) {
      return await("broadcast of " + event, Sockets.event(event));
    }

    /** The next {@code n} broadcasts, skipping anything else. */
    public List<JsonObject> broadcasts(int n, Duration timeout) {
      List<JsonObject> out = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.size() < n) {
        long left = deadline - System.nanoTime();
        JsonObject message = left <= 0 ? null : poll(Duration.ofNanos(left));
        if (message == null) {
          throw new AssertionError("only " + out.size() + " of " + n + " broadcasts within " + timeout
              + " (closed: " + closedNow() + "): " + out);
        }
        if ("broadcast".equals(message.getString("type"))) {
          out.add(message);
        }
      }
      return out;
    }

    /** Everything received within {@code window}. */
    public List<JsonObject> drain(Duration window) {
      List<JsonObject> out = new ArrayList<>();
      long deadline = System.nanoTime() + window.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        JsonObject message = left <= 0 ? inbox.poll() : poll(Duration.ofNanos(left));
        if (message == null) {
          return out;
        }
        out.add(message);
      }
    }

    /** How the socket was closed, or a test failure if it is still open after {@code timeout}. */
    public Closed awaitClose(Duration timeout) {
      try {
        return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("the socket is still open after " + timeout + "; received: " + received());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      } catch (ExecutionException e) {
        throw new AssertionError(e.getCause());
      }
    }

    public boolean isClosed() {
      return closed.isDone();
    }

    private String closedNow() {
      return closed.isDone() ? String.valueOf(closed.join()) : "no";
    }

    /** Every text the socket received, in order (including messages already taken). */
    public List<String> received() {
      return List.copyOf(history);
    }

    public List<Throwable> errors() {
      return List.copyOf(errors);
    }

    @Override
    public void close() {
      try {
        if (!closed.isDone()) {
          ws.close().await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (TimeoutException | RuntimeException ignored) {
        // already gone
      } finally {
        try {
          owner.close().await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | RuntimeException ignored) {
          // best effort
        }
      }
    }
  }

  /**
   * A WebSocket spoken by hand over a plain TCP socket: it reads only when told to, and never answers a ping on its
   * own, so it can play a client that stalls or goes silent.
   */
  public static final class RawSocket implements AutoCloseable {

    /** One server frame: its opcode and (unmasked) payload; opcode -1 when the server closed the connection. */
    public record Frame(int opcode, byte[] payload) {

      public static final int TEXT = 0x1;
      public static final int BINARY = 0x2;
      public static final int CLOSE = 0x8;
      public static final int PING = 0x9;
      public static final int PONG = 0xA;

      public String text() {
        return new String(payload, StandardCharsets.UTF_8);
      }

      /** The status of a close frame, or -1. */
      public int closeStatus() {
        return opcode == CLOSE && payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
      }

      public boolean eof() {
        return opcode == -1;
      }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** The handshake's status line and headers. */
    public final String response;

    private RawSocket(Socket socket, String response) throws IOException {
      this.socket = socket;
      this.in = new DataInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
      this.response = response;
    }

    /**
     * Connects and upgrades; fails the test unless the server answers 101. A positive {@code receiveBufferBytes}
     * shrinks the kernel's receive buffer (set before connecting, so the TCP window is small).
     */
    public static RawSocket open(int port, String uri, int receiveBufferBytes) {
      try {
        Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
          socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
        socket.setSoTimeout((int) WAIT.toMillis());
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        String request = "GET " + uri + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1:" + port + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = socket.getInputStream().read()) != -1) {
          head.write(b);
          byte[] h = head.toByteArray();
          int n = h.length;
          if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
            break;
          }
        }
        String response = head.toString(StandardCharsets.US_ASCII);
        if (!response.startsWith("HTTP/1.1 101")) {
          socket.close();
          fail("raw handshake refused: " + response);
        }
        return new RawSocket(socket, response);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Sends one masked text frame (clients must mask). */
    public void sendText(String text) throws IOException {
      sendFrame(Frame.TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    public void sendFrame(int opcode, byte[] payload) throws IOException {
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      frame.write(0x80 | opcode);
      if (payload.length < 126) {
        frame.write(0x80 | payload.length);
      } else if (payload.length < 65536) {
        frame.write(0x80 | 126);
        frame.write(payload.length >>> 8);
        frame.write(payload.length & 0xFF);
      } else {
        frame.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          frame.write((int) ((long) payload.length >>> shift) & 0xFF);
        }
      }
      byte[] mask = new byte[4];
      ThreadLocalRandom.current().nextBytes(mask);
      frame.write(mask);
      for (int i = 0; i < payload.length; i++) {
        frame.write(payload[i] ^ mask[i % 4]);
      }
      out.write(frame.toByteArray());
      out.flush();
    }

    /**
     * The next frame from the server, null if none arrives within {@code timeout}, or an {@link Frame#eof()} frame
     * if the server closed the connection.
     */
    public Frame readFrame(Duration timeout) throws IOException {
      socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
      try {
        int first = in.read();
        if (first == -1) {
          return new Frame(-1, new byte[0]);
        }
        socket.setSoTimeout((int) WAIT.toMillis());
        int second = in.readUnsignedByte();
        long length = second & 0x7F;
        if (length == 126) {
          length = in.readUnsignedShort();
        } else if (length == 127) {
          length = in.readLong();
        }
        byte[] mask = null;
        if ((second & 0x80) != 0) {
          mask = new byte[4];
          in.readFully(mask);
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        if (mask != null) {
          for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i % 4];
          }
        }
        return new Frame(first & 0x0F, payload);
      } catch (SocketTimeoutException e) {
        return null;
      } catch (EOFException e) {
        return new Frame(-1, new byte[0]);
      } catch (IOException e) {
        // connection reset: the server is gone as well
        return new Frame(-1, new byte[0]);
      }
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // best effort
      }
    }
  }

  private static String redact(String uri) {
    return uri.replaceAll("token=[^&]*", "token=…");
  }
}

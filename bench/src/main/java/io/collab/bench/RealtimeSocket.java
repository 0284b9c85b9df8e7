package io.collab.bench;

import io.collab.bench.common.Host;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;

/** One client socket; touched only on its loop's thread. */
final class RealtimeSocket {
  final int index;
  final int workspace;   // index into workspaceIds
  final int user;
  final Host host;
  final RealtimeLoop loop;
  final boolean sender;
  WebSocket ws;
  boolean ready;
  boolean open;
  long lastSeq = -1;
  Promise<Void> readyPromise;
  long readyTimer = -1;

  RealtimeSocket(int index, int workspace, int user, Host host, RealtimeLoop loop, boolean sender) {
    this.index = index;
    this.workspace = workspace;
    this.user = user;
    this.host = host;
    this.loop = loop;
    this.sender = sender;
  }
}

package io.collab.realtime;

import io.collab.auth.Principal;

/** A connection in a workspace room of a {@link SocketHub}: a raw WebSocket session or a SockJS bridge registration. */
interface Member {

  Principal user();

  long workspaceId();

  /** A sequenced broadcast (or job message) at {@code epoch}/{@code seq}, in the order they were sequenced. */
  void deliver(String epoch, long seq, String message);

  /** A document message of the workspace ({@code doc_updates}, {@code doc_renamed}, {@code doc_deleted}). */
  void deliverDocument(DocumentChannel.Incoming message);

  void roleChanged(String role);

  void close(CloseCode code);
}

package io.collab.documents;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Sends a document message ({@code doc_updates}, {@code doc_renamed}, {@code doc_deleted}: see
 * {@code io.collab.realtime.Protocol}) to every socket, on every instance, that has the file open. Called after the
 * change committed; the messages are not sequenced or kept in the workspace's broadcast history (editors that miss
 * one fill the gap with {@code doc_pull}).
 */
public interface DocumentEvents {

  Future<Void> publish(long workspaceId, JsonObject message);
}

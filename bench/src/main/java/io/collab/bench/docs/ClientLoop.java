package io.collab.bench.docs;

import io.collab.bench.common.LongList;
import io.vertx.core.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One event loop of the load generator with its editors and their statistics. Only the loop's thread touches the
 * fields; the main thread reads them through {@link Context#runOnContext} once typing is over.
 */
final class ClientLoop {

  final int id;
  final Context context;
  final List<Editor> editors = new ArrayList<>();

  // push -> ack of pushes sent in the measured window (ns)
  final LongList ackLatency = new LongList(1 << 14);
  // every update of another editor received by an editor: its author (editor index), the version it yields and when
  // it arrived (nanoTime); matched with the author's push and edit times at the end
  final LongList receivedAuthor = new LongList(1 << 16);
  final LongList receivedVersion = new LongList(1 << 16);
  final LongList receivedAt = new LongList(1 << 16);

  long pushesMeasured;
  long acksMeasured;           // acks of pushes sent in the window
  long updatesPushedMeasured;  // updates carried by those pushes
  long pushes;
  long acks;
  long edits;
  long editsMeasured;
  long resentUpdates;          // updates sent again after a refused or timed-out push
  long refusedPushes;          // pushes answered with an error (overtaken by other clients' updates, busy, ...)
  long gaps;                   // doc_updates that started after the editor's version (a doc_pull followed)
  long duplicates;             // updates received again (version at or below the editor's)
  long pulls;
  long filesClosedByServer;    // errors with a file_id and no ref: the socket closed the file, the editor reopened it
  long multiUpdateMessages;    // live doc_updates holding more than one update (the socket should send one each)
  long ackTimeouts;
  long foreignUpdates;         // updates whose clientID is none of this run's editors (e.g. "rest")
  long broadcasts;             // user_join / user_leave and the like
  final Map<String, Long> errors = new TreeMap<>();
  final Map<String, Long> closes = new TreeMap<>();

  ClientLoop(int id, Context context) {
    this.id = id;
    this.context = context;
  }

  void count(Map<String, Long> map, String key) {
    map.merge(key, 1L, Long::sum);
  }
}

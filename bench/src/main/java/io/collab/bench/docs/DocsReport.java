package io.collab.bench.docs;

import io.collab.bench.common.LongList;
import io.collab.bench.common.WindowStats;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static io.collab.bench.common.Machine.row;
import static io.collab.bench.common.Percentiles.pct;

/**
 * Gathers every loop's statistics once typing and the convergence check are over, matches each received update with
 * its author's edit (by clientID and the version the server's log gave it), and prints the table.
 *
 * <p>push → other editor: for every update of editor A that editor B (B ≠ A, same file) received, B's receipt time
 * minus the time A first sent the update in a {@code doc_push}. When the service refused that push (overtaken by
 * other editors' updates) and A pushed the update again, re-mapped, the time still counts from the first push: that
 * is the delay the editors see. "accepted push → other" counts from the push that was accepted instead. The update
 * is identified by A's clientID and its version: A learns which version each of its edits got when its own update
 * comes back ({@link CollabClient#receive} confirms it), B records the version of every update it applies. Samples
 * count when the (first) push was sent in the measured window. edit → other editor is the same from the moment A
 * typed the edit (so it also includes the wait behind A's push in flight).
 */
final class DocsReport {

  static final double BAR_P99_MS = 50;

  private final DocsOptions o;
  private final Window window;
  private final List<ClientLoop> loops;
  private final List<Editor> editors;

  double connectSeconds;
  long windowStartWallMillis;
  final WindowStats stats;
  Convergence.Result convergence;
  private double pushOtherP99 = Double.NaN;

  DocsReport(DocsOptions o, Window window, List<ClientLoop> loops, List<Editor> editors) {
    this.o = o;
    this.window = window;
    this.loops = loops;
    this.editors = editors;
    this.stats = new WindowStats(o.watch);
  }

  boolean passed() {
    return convergence != null && convergence.quiet && convergence.divergent == 0 && convergence.behind == 0
        && convergence.filesMiscounted == 0;
  }

  void print() throws Exception {
    // the sockets are closed and typing is over: a barrier on each loop makes everything it wrote visible here
    for (ClientLoop loop : loops) {
      DocsBench.onLoop(loop, l -> { }).await(20, TimeUnit.SECONDS);
    }
    ClientLoop total = new ClientLoop(-1, null);
    for (ClientLoop l : loops) {
      total.ackLatency.addAll(l.ackLatency);
      total.pushesMeasured += l.pushesMeasured;
      total.acksMeasured += l.acksMeasured;
      total.updatesPushedMeasured += l.updatesPushedMeasured;
      total.pushes += l.pushes;
      total.acks += l.acks;
      total.edits += l.edits;
      total.editsMeasured += l.editsMeasured;
      total.resentUpdates += l.resentUpdates;
      total.refusedPushes += l.refusedPushes;
      total.gaps += l.gaps;
      total.duplicates += l.duplicates;
      total.pulls += l.pulls;
      total.filesClosedByServer += l.filesClosedByServer;
      total.multiUpdateMessages += l.multiUpdateMessages;
      total.ackTimeouts += l.ackTimeouts;
      total.foreignUpdates += l.foreignUpdates;
      total.broadcasts += l.broadcasts;
      l.errors.forEach((k, n) -> total.errors.merge(k, n, Long::sum));
      l.closes.forEach((k, n) -> total.closes.merge(k, n, Long::sum));
    }

    // match receipts with their authors' pushes and edits
    LongList pushOther = new LongList(1 << 16);
    LongList acceptedOther = new LongList(1 << 16);
    LongList editOther = new LongList(1 << 16);
    int slices = (o.duration + 9) / 10;
    LongList[] bySlice = new LongList[slices];
    for (int k = 0; k < slices; k++) {
      bySlice[k] = new LongList(1024);
    }
    // per author: the versions its confirmed edits got (ascending) and those edits; edits a reopen dropped have none
    long[][] versionsOf = new long[editors.size()][];
    int[][] editsOf = new int[editors.size()][];
    for (Editor e : editors) {
      LongList versions = new LongList(e.confirmedVersion.size());
      LongList edits = new LongList(e.confirmedVersion.size());
      for (int j = 0; j < e.confirmedVersion.size(); j++) {
        if (e.confirmedVersion.get(j) > 0) {
          versions.add(e.confirmedVersion.get(j));
          edits.add(j);
        }
      }
      versionsOf[e.index] = versions.toArray();
      editsOf[e.index] = Arrays.stream(edits.toArray()).mapToInt(x -> (int) x).toArray();
    }
    long unmatched = 0;
    for (ClientLoop l : loops) {
      for (int i = 0; i < l.receivedAt.size(); i++) {
        int a = (int) l.receivedAuthor.get(i);
        Editor author = editors.get(a);
        long version = l.receivedVersion.get(i);
        int k = Arrays.binarySearch(versionsOf[a], version);
        if (k < 0) {
          unmatched++;
          continue;
        }
        int edit = editsOf[a][k];
        long pushedAt = author.firstPushAt.get(edit);
        long acceptedAt = author.pushAt.get(edit);
        long at = l.receivedAt.get(i);
        if (window.contains(pushedAt)) {
          pushOther.add(at - pushedAt);
          int slice = (int) Math.max(0, Math.min(slices - 1, (pushedAt - window.start) / 10_000_000_000L));
          bySlice[slice].add(at - pushedAt);
        }
        if (window.contains(acceptedAt)) {
          acceptedOther.add(at - acceptedAt);
        }
        if (window.contains(author.editAt.get(edit))) {
          editOther.add(at - author.editAt.get(edit));
        }
      }
    }
    // deliveries expected: every confirmed update pushed in the window, once per other editor of its file
    long expected = 0;
    for (Editor e : editors) {
      long mine = 0;
      for (int j = 0; j < e.confirmedVersion.size(); j++) {
        if (e.confirmedVersion.get(j) > 0 && window.contains(e.firstPushAt.get(j))) {
          mine++;
        }
      }
      expected += mine * (o.editorsPerFile - 1);
    }

    long[] ack = sorted(total.ackLatency);
    long[] po = sorted(pushOther);
    long[] eo = sorted(editOther);
    long[] ao = sorted(acceptedOther);
    pushOtherP99 = pct(po, 99) / 1e6;
    double secs = o.duration;
    StringBuilder b = new StringBuilder();
    b.append("\n== collab collaborative-editing benchmark, run ").append(o.runId).append(" ==\n");
    row(b, "scenario", String.format(Locale.ROOT, "%s: %d file(s) in %d workspace(s), %d editors per file, %d editors "
            + "over %s; %.3g edits/s per editor (%.0f/s offered in all); warm-up %d s, measured %d s", o.scenario,
        o.files, o.workspaces, o.editorsPerFile, o.editors(), o.hosts, o.rate, o.rate * o.editors(), o.warmup,
        o.duration));
    row(b, "editors", String.format(Locale.ROOT, "%d opened (socket, presence_state, doc_open -> doc_state) in %.1f s",
        editors.size(), connectSeconds));
    row(b, "edits typed", String.format(Locale.ROOT, "%d in the window (%.1f/s), %d in all", total.editsMeasured,
        total.editsMeasured / secs, total.edits));
    row(b, "pushes sent", String.format(Locale.ROOT, "%d in the window (%.1f/s), %.2f updates per push; %d in all",
        total.pushesMeasured, total.pushesMeasured / secs,
        total.pushesMeasured == 0 ? 0.0 : total.updatesPushedMeasured / (double) total.pushesMeasured, total.pushes));
    row(b, "accepted pushes/s", String.format(Locale.ROOT, "%.1f (doc_ack of pushes sent in the window: %d of %d; "
            + "%d pushes refused in all, of %d)", total.acksMeasured / secs, total.acksMeasured, total.pushesMeasured,
        total.refusedPushes, total.pushes));
    row(b, "push -> ack ms", latencies(ack));
    row(b, "push -> other ms", latencies(po) + " (from the first push of the update)"
        + String.format(Locale.ROOT, "; %d of %d expected receipts", po.length, expected));
    StringBuilder sliced = new StringBuilder();
    for (int k = 0; k < slices; k++) {
      long[] s = sorted(bySlice[k]);
      sliced.append(k == 0 ? "" : " | ").append(String.format(Locale.ROOT, "%d-%ds %.1f", k * 10,
          Math.min(o.duration, (k + 1) * 10), pct(s, 99) / 1e6));
    }
    row(b, "  p99 by slice", sliced + " (ms, by first push time)");
    row(b, "  accepted push", latencies(ao) + " (from the push that was accepted, after any refusals)");
    row(b, "edit -> other ms", latencies(eo) + " (from the keystroke: includes waiting behind the push in flight)");
    row(b, "bar", String.format(Locale.ROOT, "p99 push -> other editor %.2f ms %s %.0f ms; divergent editors %d: %s",
        pushOtherP99, pushOtherP99 < BAR_P99_MS ? "<" : ">=", BAR_P99_MS,
        convergence == null ? -1 : convergence.divergent,
        passed() && pushOtherP99 < BAR_P99_MS ? "MET" : "MISSED"));
    if (convergence != null) {
      Convergence.Result c = convergence;
      row(b, "convergence", String.format(Locale.ROOT, "%s after %.1f s; %d editors: %d divergent from the stored "
              + "text, %d not at the stored version; %d reopened a file (doc_reload)",
          c.quiet ? "quiescent" : "NOT quiescent", c.quiescenceSeconds, c.editors, c.divergent, c.behind, c.reloads));
      row(b, "updates", String.format(Locale.ROOT, "%d typed by the editors; reopens dropped %d never pushed and %d "
              + "pushed but unconfirmed (in doubt); %d in the server's log (sum of the files' versions); %d files "
              + "whose version is not what was typed into them (less the dropped, give or take the in-doubt)",
          c.typed, c.dropped, c.inDoubt, c.inLog, c.filesMiscounted));
      for (String example : c.examples) {
        row(b, "  !", example);
      }
    }
    row(b, "protocol", String.format(Locale.ROOT, "%d gaps (doc_pull sent: %d), %d updates received twice, %d resent "
            + "after a refused or unanswered push, %d ack timeouts, %d receipts not matched with an edit, %d updates "
            + "of other clients",
        total.gaps, total.pulls, total.duplicates, total.resentUpdates, total.ackTimeouts, unmatched,
        total.foreignUpdates));
    if (total.filesClosedByServer > 0) {
      row(b, "  !", total.filesClosedByServer + " times the server closed a file on a socket (error with file_id, "
          + "no ref); the editor opened it again");
    }
    if (total.multiUpdateMessages > 0) {
      row(b, "  !", total.multiUpdateMessages + " live doc_updates held more than one update (applied one at a time)");
    }
    row(b, "errors", total.errors.isEmpty() ? "none" : total.errors.toString());
    row(b, "close codes", total.closes.isEmpty() ? "none before the end of the run" : total.closes.toString());
    row(b, "client JVM", String.format(Locale.ROOT, "%d GC pauses, %d ms in all during the window",
        stats.gcCount(), stats.gcMillis()));
    stats.rows(b, secs);
    System.out.print(b);
    System.out.flush();
  }

  private static String latencies(long[] sorted) {
    return String.format(Locale.ROOT, "p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (n=%d)", pct(sorted, 50) / 1e6,
        pct(sorted, 90) / 1e6, pct(sorted, 99) / 1e6, pct(sorted, 100) / 1e6, sorted.length);
  }

  private static long[] sorted(LongList list) {
    long[] a = list.toArray();
    Arrays.sort(a);
    return a;
  }


}

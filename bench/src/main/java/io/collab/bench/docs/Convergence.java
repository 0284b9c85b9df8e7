package io.collab.bench.docs;

import io.collab.bench.common.Pacing;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * After typing stops: waits until every editor is quiet (nothing unconfirmed, no push or pull in flight) and every
 * editor of a file is at the file's stored version, then compares each editor's text with the file's content over
 * REST, and the updates the editors typed with the updates in the server's log (the file's version: files start at
 * version 0 and every accepted update adds one).
 */
final class Convergence {

  /** What the check found. */
  static final class Result {
    double quiescenceSeconds;
    boolean quiet;             // every editor settled and at the stored version before the deadline
    int editors;
    int divergent;             // text differs from the stored content
    int behind;                // version differs from the stored version
    long typed;                // updates the editors made (one per edit)
    long inLog;                // sum of the files' versions
    int filesMiscounted;       // files whose version differs from the edits typed into them
    int reloads;               // editors that reopened a file (doc_reload): their unconfirmed edits were dropped
    long dropped;              // edits those reopens dropped before pushing them: not in the log
    long inDoubt;              // edits those reopens dropped after pushing them: in the log or not
    final List<String> examples = new ArrayList<>();
  }

  /** One editor's state, read on its loop. */
  private record Snapshot(int index, int file, boolean settled, long version, String text, int edits, int reloads,
                          int dropped, int inDoubt) {}

  private final DocsOptions o;
  private final Rest rest;
  private final Rest.Fixture fixture;
  private final List<ClientLoop> loops;
  private final List<Editor> editors;

  Convergence(DocsOptions o, Rest rest, Rest.Fixture fixture, List<ClientLoop> loops, List<Editor> editors) {
    this.o = o;
    this.rest = rest;
    this.fixture = fixture;
    this.loops = loops;
    this.editors = editors;
  }

  Result await() throws Exception {
    Result r = new Result();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(o.drain);
    List<Snapshot> snapshots;
    Rest.StoredFile[] stored;
    while (true) {
      snapshots = snapshot();
      boolean settled = snapshots.stream().allMatch(Snapshot::settled);
      stored = settled ? storedFiles() : null;
      boolean atStored = stored != null;
      if (stored != null) {
        for (Snapshot s : snapshots) {
          if (s.version() != stored[s.file()].version()) {
            atStored = false;
            if (s.version() < stored[s.file()].version()) {
              Editor e = editors.get(s.index());
              e.loop.context.runOnContext(v -> e.catchUp());
            }
          }
        }
      }
      if (atStored) {
        r.quiet = true;
        break;
      }
      if (System.nanoTime() > deadline) {
        stored = stored != null ? stored : storedFiles();
        snapshots = snapshot();
        break;
      }
      Thread.sleep(200);
    }
    r.quiescenceSeconds = Pacing.secondsSince(start);
    compare(r, snapshots, stored);
    return r;
  }

  private void compare(Result r, List<Snapshot> snapshots, Rest.StoredFile[] stored) {
    long[] typedPerFile = new long[o.files];
    long[] inDoubtPerFile = new long[o.files];
    for (Snapshot s : snapshots) {
      r.editors++;
      r.typed += s.edits();
      r.dropped += s.dropped();
      r.inDoubt += s.inDoubt();
      typedPerFile[s.file()] += s.edits() - s.dropped();
      inDoubtPerFile[s.file()] += s.inDoubt();
      r.reloads += s.reloads() > 0 ? 1 : 0;
      Rest.StoredFile file = stored[s.file()];
      if (s.version() != file.version()) {
        r.behind++;
      }
      if (!s.text().equals(file.content())) {
        r.divergent++;
        if (r.examples.size() < 5) {
          r.examples.add(String.format("editor %d (file %d): version %d, %d chars, first difference at %d; stored "
                  + "version %d, %d chars", s.index(), s.file(), s.version(), s.text().length(),
              firstDifference(s.text(), file.content()), file.version(), file.content().length()));
        }
      }
    }
    for (int f = 0; f < o.files; f++) {
      r.inLog += stored[f].version();
      long version = stored[f].version();
      if (version > typedPerFile[f] || version < typedPerFile[f] - inDoubtPerFile[f]) {
        r.filesMiscounted++;
        if (r.examples.size() < 10) {
          r.examples.add(String.format("file %d: %d updates typed into it (%d of them in doubt after reopens), "
              + "version %d stored", f, typedPerFile[f], inDoubtPerFile[f], version));
        }
      }
    }
  }

  private static int firstDifference(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      if (a.charAt(i) != b.charAt(i)) {
        return i;
      }
    }
    return n;
  }

  private List<Snapshot> snapshot() throws Exception {
    List<Snapshot> all = new ArrayList<>();
    List<Future<Void>> reads = new ArrayList<>();
    for (ClientLoop loop : loops) {
      reads.add(DocsBench.onLoop(loop, l -> {
        List<Snapshot> mine = new ArrayList<>();
        for (Editor e : l.editors) {
          mine.add(new Snapshot(e.index, e.file, e.settled(), e.client.version(), e.client.text(), e.editCount,
              e.reloads, e.droppedEdits, e.inDoubtEdits));
        }
        synchronized (all) {
          all.addAll(mine);
        }
      }));
    }
    Future.all(reads).await(30, TimeUnit.SECONDS);
    synchronized (all) {
      return new ArrayList<>(all);
    }
  }

  /** Every file over REST, file f from host f mod hosts. */
  private Rest.StoredFile[] storedFiles() throws Exception {
    Rest.StoredFile[] stored = new Rest.StoredFile[o.files];
    List<Future<?>> gets = new ArrayList<>();
    for (int f = 0; f < o.files; f++) {
      int file = f;
      gets.add(rest.file(o.hosts.get(f % o.hosts.size()), fixture.ownerToken(), fixture.fileWorkspaces()[f],
          fixture.fileIds()[f]).onSuccess(s -> stored[file] = s));
    }
    Future.all(gets).await(60, TimeUnit.SECONDS);
    return stored;
  }
}

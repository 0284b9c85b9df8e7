package io.collab.bench.docs;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/** Counters every loop adds to and the main thread prints (and resets) every few seconds while typing. */
final class Progress {

  final LongAdder edits = new LongAdder();
  final LongAdder pushes = new LongAdder();
  final LongAdder acks = new LongAdder();
  final LongAdder ackNanos = new LongAdder();
  final LongAccumulator ackMax = new LongAccumulator(Math::max, 0);
  final LongAdder received = new LongAdder();
}

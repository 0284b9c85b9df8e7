package io.collab.bench.docs;

import java.util.Arrays;

/** A growable array of longs (samples and per-edit times), without boxing. */
final class LongList {

  private long[] values;
  private int size;

  LongList(int capacity) {
    values = new long[Math.max(4, capacity)];
  }

  void add(long value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = value;
  }

  /** Sets index {@code i}, growing with zeros up to it when needed. */
  void set(int i, long value) {
    while (i >= values.length) {
      values = Arrays.copyOf(values, values.length * 2);
    }
    values[i] = value;
    size = Math.max(size, i + 1);
  }

  long get(int i) {
    return values[i];
  }

  int size() {
    return size;
  }

  long[] toArray() {
    return Arrays.copyOf(values, size);
  }

  void addAll(LongList other) {
    for (int i = 0; i < other.size; i++) {
      add(other.values[i]);
    }
  }

  /** The first index in [0, size) whose value is at least {@code key}; the values must be ascending. */
  int lowerBound(long key) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (values[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}

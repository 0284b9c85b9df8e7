package io.collab.bench.common;

import java.util.Arrays;

/** A growable array of longs (latency samples, send times, per-edit times), without boxing. */
public final class LongList {

  private long[] values;
  private int size;

  public LongList(int capacity) {
    values = new long[Math.max(4, capacity)];
  }

  public void add(long value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = value;
  }

  /** Sets index {@code i}, growing with zeros up to it when needed. */
  public void set(int i, long value) {
    while (i >= values.length) {
      values = Arrays.copyOf(values, values.length * 2);
    }
    values[i] = value;
    size = Math.max(size, i + 1);
  }

  public long get(int i) {
    return values[i];
  }

  public int size() {
    return size;
  }

  public long[] toArray() {
    return Arrays.copyOf(values, size);
  }

  public void addAll(LongList other) {
    for (int i = 0; i < other.size; i++) {
      add(other.values[i]);
    }
  }

  /** The first index in [0, size) whose value is at least {@code key}; the values must be ascending. */
  public int lowerBound(long key) {
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

package io.collab.bench.docs;

/** The phases of a run, set by the main thread and read by every loop: warm-up, measured window, typing over. */
final class Window {

  volatile long start = Long.MAX_VALUE;
  volatile long end = Long.MAX_VALUE;
  /** Editors type while this is true; the main thread clears it at the end of the window. */
  volatile boolean typing;
  /** Set when the sockets are being closed at the end: closes are then expected. */
  volatile boolean closing;

  boolean contains(long nanoTime) {
    return nanoTime >= start && nanoTime < end;
  }
}

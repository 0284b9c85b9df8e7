package io.collab.support;

/** Sleeping in a polling test, without the checked exception: an interrupt fails the test. */
public final class Pause {

  private Pause() {}

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
    }
  }
}

package io.collab.realtime;

/**
 * A socket's message rate: bursts of up to {@code rate} messages, refilled at {@code rate} per second. Confined to
 * the socket's event loop.
 */
final class TokenBucket {

  private final int rate;
  private double allowance;
  private long allowanceAt = System.nanoTime();

  TokenBucket(int rate) {
    this.rate = rate;
    this.allowance = rate;
  }

  /** Takes one message's token; false when the bucket is empty and the message must be dropped. */
  boolean take() {
    long now = System.nanoTime();
    allowance = Math.min(rate, allowance + (now - allowanceAt) / 1e9 * rate);
    allowanceAt = now;
    if (allowance >= 1) {
      allowance -= 1;
      return true;
    }
    return false;
  }
}

package io.collab.jobs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Captures one output stream of a run: reads it to its end on a sandbox thread, keeps the first {@code cap} bytes
 * (the rest is read and dropped, {@link #truncated()}) and passes what it keeps on to the run's
 * {@link Sandbox.OutputListener} as whole UTF-8 characters.
 */
final class SandboxOutput implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(SandboxOutput.class);

  private final InputStream in;
  private final long cap;
  private final String stream;
  private final Sandbox.OutputListener listener;
  /** Output before this marker is the sandbox's own (bwrap's messages), not the program's: never forwarded. */
  private final byte[] gate;
  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private final ByteArrayOutputStream unsent = new ByteArrayOutputStream();
  private boolean open;
  private long total;

  /**
   * @param stream   the stream's name for the listener, {@code stdout} or {@code stderr}
   * @param listener null: keep the output only
   * @param gate     null: forward from the first byte
   */
  SandboxOutput(InputStream in, long cap, String stream, Sandbox.OutputListener listener, byte[] gate) {
    this.in = in;
    this.cap = cap;
    this.stream = stream;
    this.listener = listener;
    this.gate = gate;
    this.open = gate == null;
  }

  @Override
  public void run() {
    byte[] buffer = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        int keep = (int) Math.min(n, Math.max(0, cap - total));
        synchronized (this) {
          kept.write(buffer, 0, keep);
          total += n;
        }
        if (listener != null && keep > 0) {
          forward(buffer, keep);
        }
      }
    } catch (IOException ignored) {
      // the stream closed under us: the run ended
    }
  }

  synchronized byte[] bytes() {
    return kept.toByteArray();
  }

  synchronized boolean truncated() {
    return total > cap;
  }

  /** Passes on whole UTF-8 characters only, holding back a character split across reads. */
  private void forward(byte[] buffer, int length) {
    unsent.write(buffer, 0, length);
    byte[] pending = unsent.toByteArray();
    int from = 0;
    if (!open) {
      int marker = indexOf(pending, gate);
      if (marker < 0) {
        return;
      }
      open = true;
      from = marker + gate.length;
    }
    int cut = completeUtf8(pending, from);
    if (cut > from) {
      try {
        listener.onOutput(stream, new String(pending, from, cut - from, StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        log.debug("an output listener failed: {}", e.getMessage());
      }
    }
    unsent.reset();
    unsent.write(pending, cut, pending.length - cut);
  }

  /** The end of the last complete UTF-8 character in {@code bytes} from {@code from} on. */
  private static int completeUtf8(byte[] bytes, int from) {
    int end = bytes.length;
    for (int i = end - 1; i >= Math.max(from, end - 4); i--) {
      int b = bytes[i] & 0xff;
      if ((b & 0xc0) == 0x80) {
        continue;  // a continuation byte: look further back for the start
      }
      int size = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : 4;
      return i + size <= end ? end : i;
    }
    return end;
  }

  /** Where {@code needle} first occurs in {@code haystack}, -1 if nowhere. */
  static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }
}

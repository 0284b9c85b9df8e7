package io.collab.bench.common;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** This JVM's GC counters, the machine's load average and one-line output, for the reports. */
public final class Machine {

  private Machine() {}

  public static long gcCount() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
  }

  public static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
  }

  /** The 1, 5 and 15 minute load averages, or {@code n/a}. */
  public static String loadavg() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "n/a";
    }
  }

  /** One line of a report: the name padded to 18 characters, then the value. */
  public static void row(StringBuilder b, String name, String value) {
    b.append(String.format(Locale.ROOT, "%-18s %s%n", name, value));
  }

  /** Prints {@code prefix} and the formatted line, flushed (run scripts read the output as it comes). */
  public static void say(String prefix, String format, Object... args) {
    System.out.println(prefix + String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}

package io.collab.bench.common;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** A collab instance (or Redis) the load generator talks to; the benchmarks only ever target loopback. */
public record Host(String host, int port) {

  /** {@code HOST:PORT}; without a port, {@code defaultPort}. */
  public static Host parse(String hostPort, int defaultPort) {
    int colon = hostPort.lastIndexOf(':');
    return colon < 0 ? new Host(hostPort, defaultPort)
        : new Host(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  /** {@code H:P[,H:P...]}, as the {@code --hosts} options take it. */
  public static List<Host> parseList(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .map(s -> new Host(s.substring(0, s.lastIndexOf(':')), Integer.parseInt(s.substring(s.lastIndexOf(':') + 1))))
        .toList();
  }

  /** Throws unless every host resolves to loopback addresses only. */
  public static void requireLoopback(Collection<Host> hosts) {
    for (Host h : hosts) {
      try {
        for (InetAddress address : InetAddress.getAllByName(h.host())) {
          if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException(h + " is not a loopback address; this benchmark only targets loopback");
          }
        }
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("unknown host " + h.host());
      }
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}

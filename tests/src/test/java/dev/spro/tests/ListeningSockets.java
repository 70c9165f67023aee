package dev.spro.tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP sockets a process listens on, read from Linux's {@code /proc} (what {@code ss -ltnp}
 * shows): the process's socket inodes from {@code /proc/PID/fd}, matched against the LISTEN rows
 * of {@code /proc/net/tcp} and {@code tcp6}.
 */
final class ListeningSockets {
  private ListeningSockets() {}

  /** "address:port" of every socket {@code pid} listens on, e.g. "127.0.0.1:8081", "[::]:6124". */
  static List<String> of(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException closedMeanwhile) {
          // a descriptor closed while we listed them
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> rows = Files.readAllLines(Path.of(table));
      for (String row : rows.subList(1, rows.size())) {
        String[] f = row.trim().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
          out.add(address(f[1]));
        }
      }
    }
    return out;
  }

  /** Sockets of {@code pid} that listen on something other than loopback. */
  static List<String> beyondLoopback(long pid) throws IOException {
    return of(pid).stream().filter(a -> !(a.startsWith("127.") || a.startsWith("[::1]") || a.startsWith("[::ffff:127.") || a.startsWith("[127."))).toList();
  }

  /** /proc's little-endian hex "0100007F:1F90" as "127.0.0.1:8080" (IPv6 as "[...]:port"). */
  static String address(String hex) {
    String[] parts = hex.split(":");
    int port = Integer.parseInt(parts[1], 16);
    String ip = parts[0];
    if (ip.length() == 8) {
      return String.format("%d.%d.%d.%d:%d", Integer.parseInt(ip.substring(6, 8), 16), Integer.parseInt(ip.substring(4, 6), 16),
          Integer.parseInt(ip.substring(2, 4), 16), Integer.parseInt(ip.substring(0, 2), 16), port);
    }
    byte[] b = new byte[16];
    for (int word = 0; word < 4; word++) { // four 32-bit words, each little-endian
      for (int i = 0; i < 4; i++) {
        b[word * 4 + i] = (byte) Integer.parseInt(ip.substring(word * 8 + (3 - i) * 2, word * 8 + (3 - i) * 2 + 2), 16);
      }
    }
    try {
      String text = java.net.InetAddress.getByAddress(b).getHostAddress();
      if (text.equals("0:0:0:0:0:0:0:0")) {
        text = "::";
      } else if (text.equals("0:0:0:0:0:0:0:1")) {
        text = "::1";
      }
      return "[" + text + "]:" + port;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.spro.transforms.stages;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Rows cut into consecutive micro-batches for one engine call each: at most {@code maxRows}
 * rows and, with a token budget, at most that many padded tokens — rows × the longest row, the
 * size of every {@code [rows, T, ...]} array of the call (with a 151,936-token vocabulary, the
 * logits). A row longer than the budget goes alone. The cut depends only on the rows and their
 * order, so it is the same in every run.
 */
public final class MicroBatches {
  private MicroBatches() {}

  /** {@code tokenBudget} 0: rows only. */
  public static <T> List<List<T>> split(List<T> rows, int maxRows, long tokenBudget, ToIntFunction<T> length) {
    if (maxRows < 1) {
      throw new IllegalArgumentException("a micro-batch holds at least one row, got " + maxRows);
    }
    List<List<T>> out = new ArrayList<>();
    int from = 0;
    while (from < rows.size()) {
      int to = from + 1;
      int longest = length.applyAsInt(rows.get(from));
      while (to < rows.size() && to - from < maxRows) {
        int widest = Math.max(longest, length.applyAsInt(rows.get(to)));
        if (tokenBudget > 0 && (long) (to - from + 1) * widest > tokenBudget) {
          break;
        }
        longest = widest;
        to++;
      }
      out.add(rows.subList(from, to));
      from = to;
    }
    return out;
  }
}

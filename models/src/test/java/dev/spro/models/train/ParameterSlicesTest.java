package dev.spro.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterSlicesTest {
  static LinkedHashMap<String, Long> sizes(long... n) {
    LinkedHashMap<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < n.length; i++) {
      m.put("p" + i, n[i]);
    }
    return m;
  }

  @Test
  void equalTensorsSplitEvenlyInOrder() {
    assertEquals(List.of(List.of("p0", "p1"), List.of("p2", "p3")), ParameterSlices.of(sizes(10, 10, 10, 10), 2));
    assertEquals(List.of(List.of("p0"), List.of("p1"), List.of("p2"), List.of("p3")), ParameterSlices.of(sizes(5, 5, 5, 5), 4));
  }

  @Test
  void everyParameterIsInExactlyOneSliceAndSlicesAreContiguous() {
    LinkedHashMap<String, Long> qwenLike = new LinkedHashMap<>();
    qwenLike.put("embed", 151_936L * 896);
    for (int l = 0; l < 24; l++) {
      qwenLike.put("l" + l + ".attn", 896L * 896 * 2 + 896L * 128 * 2);
      qwenLike.put("l" + l + ".mlp", 896L * 4864 * 3);
      qwenLike.put("l" + l + ".norm", 896L * 2);
    }
    qwenLike.put("final_norm", 896L);
    for (int count : new int[] {1, 2, 3, 4, 7}) {
      List<List<String>> slices = ParameterSlices.of(qwenLike, count);
      assertEquals(count, slices.size());
      List<String> flat = new ArrayList<>();
      slices.forEach(flat::addAll);
      assertEquals(new ArrayList<>(qwenLike.keySet()), flat, "all parameters, once, in model order");
      long total = qwenLike.values().stream().mapToLong(Long::longValue).sum();
      for (List<String> s : slices) {
        long elements = s.stream().mapToLong(qwenLike::get).sum();
        // whole tensors: a slice exceeds its share by at most the largest tensor (the embeddings)
        assertEquals(true, elements <= total / count + qwenLike.get("embed"), count + " slices: " + elements);
      }
    }
  }

  @Test
  void oneGiantTensorLeavesOtherSlicesEmptyRatherThanSplittingIt() {
    assertEquals(List.of(List.of(), List.of("p0"), List.of("p1")), ParameterSlices.of(sizes(100, 1), 3));
  }

  @Test
  void zeroSlicesIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ParameterSlices.of(sizes(1), 0));
  }
}

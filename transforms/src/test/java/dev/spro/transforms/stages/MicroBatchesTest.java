package dev.spro.transforms.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MicroBatchesTest {
  static final List<Integer> LENGTHS = List.of(10, 10, 40, 10, 10, 10, 100, 5);

  @Test
  void rowsOnlyWithoutABudget() {
    assertEquals(List.of(List.of(10, 10, 40), List.of(10, 10, 10), List.of(100, 5)),
        MicroBatches.split(LENGTHS, 3, 0, Integer::intValue));
  }

  @Test
  void aBudgetBoundsRowsTimesTheLongestRow() {
    // 10,10 = 20; adding 40 would make 3 x 40 = 120 > 60; then 40 (x1); 40,10 = 80 > 60 ...
    assertEquals(List.of(List.of(10, 10), List.of(40), List.of(10, 10, 10), List.of(100), List.of(5)),
        MicroBatches.split(LENGTHS, 8, 60, Integer::intValue));
    for (List<Integer> mb : MicroBatches.split(LENGTHS, 8, 60, Integer::intValue)) {
      int longest = mb.stream().mapToInt(Integer::intValue).max().orElseThrow();
      assertEquals(true, mb.size() * longest <= 60 || mb.size() == 1, mb.toString());
    }
  }

  @Test
  void everyRowOnceInOrder() {
    List<Integer> flat = MicroBatches.split(LENGTHS, 2, 35, Integer::intValue).stream().flatMap(List::stream).toList();
    assertEquals(LENGTHS, flat);
  }

  @Test
  void noRowsNoBatchesAndZeroRowsIsRefused() {
    assertEquals(List.of(), MicroBatches.split(List.<Integer>of(), 4, 10, Integer::intValue));
    assertThrows(IllegalArgumentException.class, () -> MicroBatches.split(LENGTHS, 0, 10, Integer::intValue));
  }
}

package dev.spro.transforms.reward;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.matheclipse.core.basic.Config;
import org.matheclipse.core.eval.EvalEngine;
import org.matheclipse.core.expression.F;
import org.matheclipse.core.form.tex.TeXParser;
import org.matheclipse.core.interfaces.IExpr;

/**
 * Whether two LaTeX answers are equal as mathematics, decided by Symja (2.0.0: 3.0.0 needs Kryo 5,
 * whose classes collide with Flink's Kryo 2): both are parsed from
 * TeX and {@code PossibleZeroQ(Simplify(a - b))} is evaluated, under a time limit per check. A
 * parse error, a timeout or anything else undecided counts as "not equivalent".
 */
final class SymbolicEquivalence {
  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "symja-check");
    t.setDaemon(true);
    return t;
  });

  static {
    // JAS would otherwise start a pool of non-daemon threads that keeps a JVM alive after main().
    Config.JAS_NO_THREADS = true;
  }

  private SymbolicEquivalence() {}

  static boolean equivalent(String a, String b, long timeoutMillis) {
    AtomicReference<EvalEngine> engine = new AtomicReference<>();
    Future<Boolean> f = POOL.submit(() -> {
      EvalEngine e = EvalEngine.get();
      e.setQuietMode(true);
      e.setStopRequested(false);
      engine.set(e);
      TeXParser parser = new TeXParser(e);
      IExpr x = parser.toExpression(a);
      IExpr y = parser.toExpression(b);
      if (x == null || y == null) {
        return false;
      }
      IExpr result = e.evaluate(F.PossibleZeroQ(F.Simplify(F.Subtract(x, y))));
      return result.isTrue();
    });
    try {
      return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      EvalEngine running = engine.get();
      if (running != null) {
        running.stopRequest();
      }
      f.cancel(true);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      return false;
    } catch (Exception | StackOverflowError e) {
      return false;
    }
  }
}

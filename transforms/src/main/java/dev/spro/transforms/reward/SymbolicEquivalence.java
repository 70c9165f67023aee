package dev.spro.transforms.reward;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
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
 * whose classes collide with Flink's Kryo 2): both are parsed from TeX, checked against {@link
 * ExpressionBounds}, and {@code PossibleZeroQ(Simplify(a - b))} is evaluated under a time limit per
 * check. A parse error, an expression out of bounds, a timeout or anything else undecided counts as
 * "not equivalent".
 *
 * <p>The caller never waits longer than the limit. A computation that ignores the stop request
 * keeps its permit until it really ends, so at most one computation per core runs in this JVM: a
 * check that finds none free within its limit is undecided, instead of starting another.
 */
final class SymbolicEquivalence {
  private static final int MAX_RUNNING = Math.max(1, Runtime.getRuntime().availableProcessors());
  private static final Semaphore RUNNING = new Semaphore(MAX_RUNNING);
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
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    try {
      if (!RUNNING.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    AtomicReference<EvalEngine> engine = new AtomicReference<>();
    Future<Boolean> f;
    try {
      f = POOL.submit(() -> {
        try {
          return decide(a, b, engine);
        } finally {
          RUNNING.release();
        }
      });
    } catch (RuntimeException e) {
      RUNNING.release();
      return false;
    }
    try {
      return f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
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

  /** Number of checks whose computation is still running (for tests and diagnostics). */
  static int running() {
    return MAX_RUNNING - RUNNING.availablePermits();
  }

  private static boolean decide(String a, String b, AtomicReference<EvalEngine> engine) {
    EvalEngine e = EvalEngine.get();
    e.setQuietMode(true);
    e.setStopRequested(false);
    engine.set(e);
    TeXParser parser = new TeXParser(e);
    IExpr x = parser.toExpression(a);
    IExpr y = parser.toExpression(b);
    if (x == null || y == null || !ExpressionBounds.admissible(x) || !ExpressionBounds.admissible(y)) {
      return false;
    }
    return e.evaluate(F.PossibleZeroQ(F.Simplify(F.Subtract(x, y)))).isTrue();
  }
}

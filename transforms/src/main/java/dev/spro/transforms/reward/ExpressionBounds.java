package dev.spro.transforms.reward;

import org.matheclipse.core.expression.S;
import org.matheclipse.core.interfaces.IAST;
import org.matheclipse.core.interfaces.IExpr;

/**
 * Whether a parsed answer is small enough to hand to the algebra system. Symja evaluates what it
 * is given: {@code \prod_{k=1}^{10^9}(x+k)} iterates a billion times, {@code (x+1)^{100000}}
 * expands a hundred thousand terms, {@code 10^{10^{10}}} builds a number of ten billion digits —
 * each in the JVM that trains, faster than any time limit can stop it. So before evaluation the
 * expression tree is bounded: its size, every exponent, every factorial and every iteration range
 * (estimated from above, treating an unknown symbol as 10), and it must be finite — a division by
 * zero or an infinity is never proven equal to anything by subtraction.
 */
final class ExpressionBounds {
  static final long MAX_LEAVES = 200;
  static final double MAX_EXPONENT = 256;
  static final double MAX_FACTORIAL = 1000;
  static final double MAX_ITERATIONS = 1000;
  private static final double UNKNOWN_SYMBOL = 10;

  private ExpressionBounds() {}

  /** True when {@code x} may be evaluated. */
  static boolean admissible(IExpr x) {
    return x.leafCount() <= MAX_LEAVES && bounded(x);
  }

  private static boolean bounded(IExpr x) {
    if (x.isAST(S.DirectedInfinity) || x.isAST(S.ComplexInfinity) || x == S.ComplexInfinity || x == S.Indeterminate
        || x == S.Infinity) {
      return false;
    }
    if (!x.isAST()) {
      return true;
    }
    IAST ast = (IAST) x;
    if (x.isPower() && (magnitude(x.exponent()) > MAX_EXPONENT || isZero(x.base()) && negativeOrUnknown(x.exponent()))) {
      return false;
    }
    if ((x.isAST(S.Factorial) || x.isAST(S.Factorial2)) && magnitude(ast.arg1()) > MAX_FACTORIAL) {
      return false;
    }
    if (x.isAST(S.Sum) || x.isAST(S.Product) || x.isAST(S.Table)) {
      for (int i = 2; i < ast.size(); i++) {
        if (iterations(ast.get(i)) > MAX_ITERATIONS) {
          return false;
        }
      }
    }
    for (int i = 0; i < ast.size(); i++) {
      if (!bounded(ast.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** How many steps an iterator {@code {k, a, b}} or {@code {k, b}} can take, from above. */
  private static double iterations(IExpr iterator) {
    if (!iterator.isList()) {
      return magnitude(iterator);
    }
    IAST list = (IAST) iterator;
    double span = 0;
    for (int i = 2; i < list.size(); i++) {
      span += magnitude(list.get(i));
    }
    return list.size() <= 2 ? Double.POSITIVE_INFINITY : span;
  }

  /** An upper bound of |x| (a symbol counts as 10), infinite when it overflows a double. */
  static double magnitude(IExpr x) {
    if (x.isNumber()) {
      try {
        return Math.abs(x.evalDouble());
      } catch (RuntimeException e) {
        return Double.POSITIVE_INFINITY;
      }
    }
    if (!x.isAST()) {
      return UNKNOWN_SYMBOL;
    }
    IAST ast = (IAST) x;
    if (x.isPower()) {
      return Math.pow(Math.max(1, magnitude(x.base())), magnitude(x.exponent()));
    }
    if (x.isAST(S.Factorial) || x.isAST(S.Factorial2)) {
      double n = magnitude(ast.arg1());
      return n > 170 ? Double.POSITIVE_INFINITY : factorial(n);
    }
    boolean product = x.isTimes();
    double out = product ? 1 : 0;
    for (int i = 1; i < ast.size(); i++) {
      double m = magnitude(ast.get(i));
      out = product ? out * Math.max(1, m) : x.isPlus() ? out + m : Math.max(out, m);
    }
    return out;
  }

  private static double factorial(double n) {
    double out = 1;
    for (int k = 2; k <= n; k++) {
      out *= k;
    }
    return out;
  }

  private static boolean isZero(IExpr x) {
    return x.isNumber() && magnitude(x) == 0;
  }

  private static boolean negativeOrUnknown(IExpr exponent) {
    if (!exponent.isNumber()) {
      return true;
    }
    try {
      return exponent.evalDouble() <= 0;
    } catch (RuntimeException e) {
      return true;
    }
  }
}

package dev.spro.transforms.reward;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Verifiers by {@code data_source}, under the names the field uses: GSM8K as {@code
 * openai/gsm8k} and {@code gsm8k}; MATH-style as {@code lighteval/MATH}, {@code
 * DigitalLearningGmbH/MATH-lighteval}, {@code HuggingFaceH4/MATH-500}, {@code math}, {@code
 * aime}, {@code amc}, {@code minerva_math}, {@code olympiadbench}, and any source starting with
 * {@code numina_} (verl's rule). Users add their own, by name or by class name; sources with no
 * verifier either fail with the known names listed or fall back to exact match.
 */
public final class VerifierRegistry implements Serializable {
  private static final List<String> MATH_SOURCES = List.of("lighteval/MATH", "DigitalLearningGmbH/MATH-lighteval",
      "HuggingFaceH4/MATH-500", "math", "aime", "amc", "minerva_math", "olympiadbench");

  private final Map<String, Verifier> bySource = new LinkedHashMap<>();
  private final Map<String, Verifier> byPrefix = new LinkedHashMap<>();
  private final boolean exactMatchFallback;

  private VerifierRegistry(boolean exactMatchFallback) {
    this.exactMatchFallback = exactMatchFallback;
  }

  /**
   * The built-in verifiers.
   *
   * @param exactMatchFallback an unknown data source gets exact match instead of an error
   */
  public static VerifierRegistry standard(boolean exactMatchFallback) {
    VerifierRegistry r = new VerifierRegistry(exactMatchFallback);
    Verifier gsm8k = Gsm8kVerifier.strict();
    r.register("openai/gsm8k", gsm8k);
    r.register("gsm8k", gsm8k);
    r.register("spro/arithmetic", gsm8k); // the built-in task answers "#### N" too
    Verifier math = new MathVerifier();
    for (String s : MATH_SOURCES) {
      r.register(s, math);
    }
    r.byPrefix.put("numina_", math);
    return r;
  }

  /** Adds or replaces the verifier of {@code dataSource}. */
  public VerifierRegistry register(String dataSource, Verifier verifier) {
    bySource.put(dataSource, verifier);
    return this;
  }

  /**
   * Registers a user's verifier by class name: a public class implementing {@link Verifier} with
   * a public no-argument constructor, on the classpath.
   */
  public VerifierRegistry registerClass(String dataSource, String className) {
    try {
      Class<?> c = Class.forName(className);
      if (!Verifier.class.isAssignableFrom(c)) {
        throw new IllegalArgumentException("verifier class " + className + " for data source '" + dataSource
            + "' does not implement " + Verifier.class.getName());
      }
      return register(dataSource, (Verifier) c.getDeclaredConstructor().newInstance());
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot load verifier class " + className + " for data source '"
          + dataSource + "': " + e, e);
    }
  }

  public Optional<Verifier> lookup(String dataSource) {
    Verifier v = bySource.get(dataSource);
    if (v == null) {
      for (Map.Entry<String, Verifier> e : byPrefix.entrySet()) {
        if (dataSource != null && dataSource.startsWith(e.getKey())) {
          return Optional.of(e.getValue());
        }
      }
    }
    return Optional.ofNullable(v);
  }

  /** The verifier of {@code dataSource}; an unknown source is exact match or a clear error. */
  public Verifier get(String dataSource) {
    Optional<Verifier> v = lookup(dataSource);
    if (v.isPresent()) {
      return v.get();
    }
    if (exactMatchFallback) {
      return new ExactMatchVerifier();
    }
    throw new IllegalArgumentException("no verifier for data_source '" + dataSource + "'; known: "
        + String.join(", ", bySource.keySet()) + ", " + String.join("", byPrefix.keySet()) + "*"
        + " (register one, or allow exact-match fallback)");
  }
}

package dev.spro.models.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;

/**
 * How a model's rotary position embedding stretches its frequencies beyond the context it was
 * trained on: {@code default} (none) or {@code llama3}, the scheme of Llama 3.1 and 3.2 — wavelengths
 * longer than {@code originalMaxPositionEmbeddings / lowFreqFactor} are divided by {@code factor},
 * those shorter than {@code originalMaxPositionEmbeddings / highFreqFactor} kept, those between
 * blended linearly (transformers' {@code _compute_llama3_parameters}). Other types (linear, dynamic,
 * yarn, longrope) are refused by name: computing the plain RoPE instead would silently give another
 * model.
 *
 * @param type {@code default} or {@code llama3}
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
    int originalMaxPositionEmbeddings) implements Serializable {

  /** No scaling: the plain RoPE frequencies. */
  public static final RopeScaling NONE = new RopeScaling("default", 1, 1, 1, 0);

  public RopeScaling {
    if (type.equals("llama3")) {
      if (!(factor >= 1) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalMaxPositionEmbeddings <= 0) {
        throw new IllegalArgumentException("llama3 rope scaling needs factor >= 1, 0 < low_freq_factor < high_freq_factor"
            + " and original_max_position_embeddings > 0; was factor " + factor + ", low_freq_factor " + lowFreqFactor
            + ", high_freq_factor " + highFreqFactor + ", original_max_position_embeddings " + originalMaxPositionEmbeddings);
      }
    } else if (!type.equals("default")) {
      throw new IllegalArgumentException("rope type '" + type + "' is not supported (default, llama3)");
    }
  }

  /** A Llama 3.1/3.2 scaling. */
  public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    return new RopeScaling("llama3", factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
  }

  public boolean isDefault() {
    return type.equals("default");
  }

  /**
   * The scaling a {@code config.json} describes: {@code rope_scaling} (transformers 4.x; the type
   * under {@code rope_type} or the older {@code type}) or {@code rope_parameters} (5.x, next to
   * {@code rope_theta}). Both present must agree.
   */
  static RopeScaling read(JsonNode config) {
    RopeScaling old = config.hasNonNull("rope_scaling") ? of(config.get("rope_scaling"), "rope_scaling") : null;
    RopeScaling current = config.hasNonNull("rope_parameters") ? of(config.get("rope_parameters"), "rope_parameters") : null;
    if (old != null && current != null && !old.equals(current)) {
      throw new IllegalArgumentException("rope_scaling " + config.get("rope_scaling") + " and rope_parameters "
          + config.get("rope_parameters") + " disagree; keep one");
    }
    return current != null ? current : old != null ? old : NONE;
  }

  private static RopeScaling of(JsonNode n, String field) {
    if (!n.isObject()) {
      throw new IllegalArgumentException("field '" + field + "' must be an object, was " + n);
    }
    String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText() : n.path("type").asText("default");
    if (type.equals("default")) {
      return NONE;
    }
    if (!type.equals("llama3")) {
      throw new IllegalArgumentException(field + ".rope_type '" + type + "' is not supported (default, llama3)");
    }
    return llama3(number(n, field, "factor"), number(n, field, "low_freq_factor"), number(n, field, "high_freq_factor"),
        (int) number(n, field, "original_max_position_embeddings"));
  }

  private static double number(JsonNode n, String field, String key) {
    JsonNode v = n.get(key);
    if (v == null || !v.isNumber()) {
      throw new IllegalArgumentException(field + "." + key + " must be a number for rope_type llama3, was " + v);
    }
    return v.doubleValue();
  }

  /** Writes this scaling as transformers 4.x's {@code rope_scaling} (read by 4.x and 5.x alike); nothing for none. */
  void write(ObjectNode config) {
    if (isDefault()) {
      return;
    }
    ObjectNode n = config.putObject("rope_scaling");
    n.put("rope_type", type);
    n.put("factor", factor);
    n.put("low_freq_factor", lowFreqFactor);
    n.put("high_freq_factor", highFreqFactor);
    n.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
  }

  /**
   * The rotary inverse frequencies {@code theta^(-2i/headDim)}, {@code i < headDim/2}, scaled by
   * this scheme; in double precision (transformers computes them in float32 — the difference is
   * below float32's resolution of the cos/sin tables at the positions of a context).
   */
  public double[] inverseFrequencies(double theta, int headDim) {
    double[] out = new double[headDim / 2];
    for (int i = 0; i < out.length; i++) {
      double f = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
      out[i] = isDefault() ? f : llama3(f);
    }
    return out;
  }

  private double llama3(double frequency) {
    double wavelength = 2 * Math.PI / frequency;
    double lowFrequencyWavelength = originalMaxPositionEmbeddings / lowFreqFactor;
    double highFrequencyWavelength = originalMaxPositionEmbeddings / highFreqFactor;
    if (wavelength < highFrequencyWavelength) {
      return frequency; // high frequencies: positions within the original context, kept
    }
    if (wavelength > lowFrequencyWavelength) {
      return frequency / factor; // low frequencies: stretched by the factor
    }
    double smooth = (originalMaxPositionEmbeddings / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * frequency / factor + smooth * frequency;
  }
}

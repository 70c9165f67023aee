package dev.spro.models.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a worker puts its models: the config's {@code model.device} ({@code cpu}, {@code gpu} or
 * {@code auto}) against the GPUs this process's engine can see. A worker sees the GPUs of its
 * {@code CUDA_VISIBLE_DEVICES} — one per TaskManager under {@code spro cluster start --gpus} — so
 * "the GPU" is always index 0 of what it sees. {@code auto} falls back to the CPU, saying so
 * once in the log; {@code gpu} without a visible GPU is an error that names the reason, never a
 * silent CPU run.
 */
public final class DeviceChoice {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceChoice.class);

  private DeviceChoice() {}

  /** The values of {@code model.device}. */
  public enum Setting {
    AUTO,
    CPU,
    GPU
  }

  /** The device for {@code setting} when the engine sees {@code gpus} GPUs (pure; the unit-tested part). */
  public static Device choose(Setting setting, int gpus) {
    return switch (setting) {
      case CPU -> Device.cpu();
      case GPU -> {
        if (gpus <= 0) {
          throw noGpu(null);
        }
        yield Device.gpu(0);
      }
      case AUTO -> gpus > 0 ? Device.gpu(0) : Device.cpu();
    };
  }

  /** The device for {@code setting} given the GPUs {@code engine} sees in this process; says what it chose in the log. */
  public static Device select(Engine engine, Setting setting) {
    check(engine, setting);
    int gpus = engine.getGpuCount();
    Device d = choose(setting, gpus);
    if (setting == Setting.AUTO && gpus == 0) {
      LOG.info("model.device auto: the PyTorch engine sees no CUDA GPU ({}); models run on the CPU", visibility(engine));
    } else {
      LOG.info("model.device {}: models run on {} ({} GPU(s) visible)", setting, d, gpus);
    }
    return d;
  }

  /** Refuses {@code gpu} when {@code engine} sees no GPU in this process (the driver's check before a run). */
  public static void check(Engine engine, Setting setting) {
    if (setting == Setting.GPU && engine.getGpuCount() <= 0) {
      throw noGpu(engine);
    }
  }

  private static IllegalStateException noGpu(Engine engine) {
    return new IllegalStateException("model.device is gpu, but the PyTorch engine sees no CUDA GPU in this worker ("
        + visibility(engine) + "); a GPU worker needs DJL's CUDA native library for PyTorch 2.7.1 (see the README), "
        + "or set model.device to auto or cpu");
  }

  private static String visibility(Engine engine) {
    String v = System.getenv("CUDA_VISIBLE_DEVICES");
    return "CUDA_VISIBLE_DEVICES=" + (v == null ? "unset" : "'" + v + "'")
        + (engine == null ? "" : ", engine " + engine.getEngineName() + " " + engine.getVersion());
  }
}

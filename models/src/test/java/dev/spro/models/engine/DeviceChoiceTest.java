package dev.spro.models.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {
  @Test
  void cpuIsTheCpuWhateverTheMachineHas() {
    assertEquals(Device.cpu(), DeviceChoice.choose(DeviceChoice.Setting.CPU, 0));
    assertEquals(Device.cpu(), DeviceChoice.choose(DeviceChoice.Setting.CPU, 4));
  }

  @Test
  void gpuIsTheFirstVisibleGpu() {
    // under CUDA_VISIBLE_DEVICES=3 the worker's only GPU is its index 0
    assertEquals(Device.gpu(0), DeviceChoice.choose(DeviceChoice.Setting.GPU, 1));
    assertEquals(Device.gpu(0), DeviceChoice.choose(DeviceChoice.Setting.GPU, 2));
  }

  @Test
  void autoFallsBackToTheCpu() {
    assertEquals(Device.cpu(), DeviceChoice.choose(DeviceChoice.Setting.AUTO, 0));
    assertEquals(Device.gpu(0), DeviceChoice.choose(DeviceChoice.Setting.AUTO, 1));
  }

  @Test
  void gpuWithoutOneIsAnErrorThatSaysWhy() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> DeviceChoice.choose(DeviceChoice.Setting.GPU, 0));
    assertTrue(e.getMessage().contains("sees no CUDA GPU") && e.getMessage().contains("CUDA_VISIBLE_DEVICES"), e.getMessage());
  }

  @Test
  void onThisMachineAutoIsTheCpu() {
    // the build machine has the CPU native library only
    assertEquals(Device.cpu(), DeviceChoice.select(DjlRuntime.init(), DeviceChoice.Setting.AUTO));
    assertEquals(Device.cpu(), DeviceChoice.select(DjlRuntime.init(), DeviceChoice.Setting.CPU));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> DeviceChoice.select(DjlRuntime.init(), DeviceChoice.Setting.GPU));
    assertTrue(e.getMessage().contains("engine PyTorch 2.7.1"), e.getMessage());
  }
}

package dev.spro.models;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.spro.models.engine.DjlRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** Tests that use the engine: it is started once; each test gets a fresh manager, gradients off. */
public abstract class EngineTestBase {
  protected NDManager manager;

  @BeforeAll
  static void startEngine() {
    DjlRuntime.init();
  }

  @BeforeEach
  void openManager() {
    manager = Engine.getInstance().newBaseManager();
    JniUtils.setGradMode(false);
  }

  @AfterEach
  void closeManager() {
    manager.close();
  }
}

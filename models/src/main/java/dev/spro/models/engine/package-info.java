/**
 * The one place that configures DJL and its PyTorch engine for this project.
 *
 * <p>Call {@link dev.spro.models.engine.DjlRuntime#init} before any other DJL use in a JVM: it
 * turns offline mode on (the native library comes from the {@code pytorch-native-cpu} jar on the
 * classpath; nothing is downloaded), opts out of tracking, picks the cache directory the native
 * library is extracted to, sets the thread pools, and seeds the engine.
 */
package dev.spro.models.engine;

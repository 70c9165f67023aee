package dev.spro.pipelines.run;

import dev.spro.models.io.AtomicFiles;
import dev.spro.schemas.CheckpointManifest;
import dev.spro.schemas.DataCursor;
import dev.spro.schemas.FileEntry;
import dev.spro.transforms.stages.GradientStep;
import dev.spro.transforms.stages.IterationContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Writes a checkpoint's {@code manifest.json}: every file with its size and sha256, the config
 * hash, run seed, optimizer step and the data cursor of the next batch.
 */
public record Manifests(String configHash, int datasetSize, int batchSize, String algorithm)
    implements GradientStep.CheckpointManifests {

  @Override
  public void write(Path checkpointDir, IterationContext ctx, long optimizerStep) throws IOException {
    write(checkpointDir, ctx.iteration() + 1, optimizerStep, ctx.runSeed());
  }

  /** Writes the manifest of the checkpoint that starts iteration {@code iteration}. */
  public void write(Path checkpointDir, int iteration, long optimizerStep, long runSeed) throws IOException {
    List<FileEntry> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(checkpointDir)) {
      for (Path p : s.sorted().toList()) {
        String name = p.getFileName().toString();
        if (!name.equals(GradientStep.MANIFEST) && Files.isRegularFile(p)) {
          files.add(new FileEntry(name, Files.size(p), AtomicFiles.sha256(p)));
        }
      }
    }
    int perEpoch = Math.max(1, datasetSize / batchSize);
    CheckpointManifest m = CheckpointManifest.newBuilder()
        .setIteration(iteration)
        .setOptimizerStep(optimizerStep)
        .setConfigHash(configHash)
        .setRunSeed(runSeed)
        .setDataCursor(new DataCursor(iteration / perEpoch, iteration % perEpoch))
        .setFiles(files)
        .setExtra(Map.of("algorithm", algorithm))
        .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonEncoder encoder = EncoderFactory.get().jsonEncoder(CheckpointManifest.getClassSchema(), out, true);
    new SpecificDatumWriter<>(CheckpointManifest.class).write(m, encoder);
    encoder.flush();
    Files.write(checkpointDir.resolve(GradientStep.MANIFEST), out.toByteArray());
  }
}

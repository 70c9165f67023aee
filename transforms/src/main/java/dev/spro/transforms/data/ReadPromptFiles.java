package dev.spro.transforms.data;

import dev.spro.schemas.Prompt;
import dev.spro.schemas.RejectedRow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Reads prompt files (verl Parquet or JSONL) matching a file pattern into prompts, and every row
 * that cannot be one into {@link #REJECTED} with its file, row number and field. A Parquet file
 * whose columns are not a verl row's fails the pipeline at once (see {@link SchemaCheck}).
 *
 * <p>Files are read whole by one worker each, through Beam's file system layer, so row numbers
 * are exact (Beam's ParquetIO splits files and has no row numbers to report).
 */
public final class ReadPromptFiles extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<Prompt> PROMPTS = new TupleTag<>() {};
  public static final TupleTag<RejectedRow> REJECTED = new TupleTag<>() {};
  public static final String METRICS_NAMESPACE = "spro.read_prompts";

  private final String filePattern;

  private ReadPromptFiles(String filePattern) {
    this.filePattern = filePattern;
  }

  public static ReadPromptFiles from(String filePattern) {
    return new ReadPromptFiles(filePattern);
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    PCollectionTuple out =
        begin
            .apply("Match", FileIO.match().filepattern(filePattern))
            .apply("Open", FileIO.readMatches())
            .apply("Rows", ParDo.of(new ReadFileFn()).withOutputTags(PROMPTS, TupleTagList.of(REJECTED)));
    out.get(PROMPTS).setCoder(AvroCoder.of(Prompt.class));
    out.get(REJECTED).setCoder(AvroCoder.of(RejectedRow.class));
    return out;
  }

  static final class ReadFileFn extends DoFn<FileIO.ReadableFile, Prompt> {
    private final Counter prompts = Metrics.counter(METRICS_NAMESPACE, "prompts");
    private final Counter rejected = Metrics.counter(METRICS_NAMESPACE, "rejected_rows");
    private final Counter files = Metrics.counter(METRICS_NAMESPACE, "files");

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out) throws IOException {
      String name = file.getMetadata().resourceId().toString();
      files.inc();
      if (PromptFiles.isParquet(name)) {
        InputFile input = new BeamInputFile(file);
        SchemaCheck.check(input, name);
        PromptFiles.readParquet(input, name, p -> emit(out, p), r -> reject(out, r));
      } else {
        try (InputStream in = Channels.newInputStream(file.open())) {
          PromptFiles.readJsonl(in, name, p -> emit(out, p), r -> reject(out, r));
        }
      }
    }

    private void emit(MultiOutputReceiver out, Prompt p) {
      prompts.inc();
      out.get(PROMPTS).output(p);
    }

    private void reject(MultiOutputReceiver out, RejectedRow r) {
      rejected.inc();
      out.get(REJECTED).output(r);
    }
  }

  /** A Beam file as Parquet's random-access input. */
  static final class BeamInputFile implements InputFile {
    private final FileIO.ReadableFile file;

    BeamInputFile(FileIO.ReadableFile file) {
      this.file = file;
    }

    @Override
    public long getLength() {
      return file.getMetadata().sizeBytes();
    }

    @Override
    public SeekableInputStream newStream() throws IOException {
      SeekableByteChannel channel = file.openSeekable();
      return new DelegatingSeekableInputStream(Channels.newInputStream(channel)) {
        @Override
        public long getPos() throws IOException {
          return channel.position();
        }

        @Override
        public void seek(long newPos) throws IOException {
          channel.position(newPos);
        }

        @Override
        public int read(ByteBuffer buf) throws IOException {
          return channel.read(buf);
        }
      };
    }
  }
}

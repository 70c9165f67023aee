package dev.spro.pipelines.flink;

import java.io.File;
import java.net.MalformedURLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.client.deployment.ClusterClientJobClientAdapter;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobMessageParameters;
import org.apache.flink.runtime.rest.messages.job.JobExecutionResultHeaders;
import org.apache.flink.runtime.rest.messages.queue.QueueStatus;

/**
 * Runs Flink batch jobs on a session cluster through its REST API, as Flink's remote environment
 * does, but learns that a job has ended by asking for its result every {@value #POLL_MILLIS} ms.
 * Flink's {@code RestClusterClient} waits for a job's result with a back-off that grows to 2 s and
 * cannot be configured: measured, it added 1.37 s to each iteration of the default config on a
 * session cluster (bench/results/overhead.md), a fifth of the iteration. Once the job has ended
 * its result is fetched the usual way, so Beam gets the same result, metrics and failure cause.
 *
 * <p>{@link #install} makes it the {@link ContextEnvironment}, which Beam's Flink runner uses
 * when its master is {@code [auto]} ({@link FlinkOptions#forSessionCluster}).
 */
final class SessionClusterExecutor {
  static final String TARGET = "spro-session-cluster";
  /** How often a running job's result is asked for: a REST call the dispatcher answers from memory. */
  static final long POLL_MILLIS = 25;

  private SessionClusterExecutor() {}

  /**
   * From now on, {@code [auto]} Flink jobs of this JVM go to the session cluster whose REST API
   * is at {@code host:port}, with {@code jars} staged (absolute paths; empty: nothing).
   */
  static void install(String host, int port, List<String> jars) {
    Configuration cluster = new Configuration();
    cluster.set(RestOptions.ADDRESS, host);
    cluster.set(RestOptions.PORT, port);
    cluster.set(JobManagerOptions.ADDRESS, host);
    List<String> urls = new ArrayList<>();
    for (String jar : jars) {
      try {
        urls.add(new File(jar).getAbsoluteFile().toURI().toURL().toString());
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("job jar " + jar + ": " + e.getMessage(), e);
      }
    }
    cluster.set(PipelineOptions.JARS, urls);
    ContextEnvironment.install(TARGET, cluster, SessionClusterExecutor::submit);
  }

  /** Back to Flink's default environment. */
  static void uninstall() {
    ContextEnvironment.uninstall();
  }

  private static CompletableFuture<JobClient> submit(Pipeline pipeline, Configuration conf, ClassLoader classLoader)
      throws Exception {
    JobGraph job = PipelineExecutorUtils.getJobGraph(pipeline, conf, classLoader);
    RestClusterClient<StandaloneClusterId> client = client(conf);
    CompletableFuture<JobID> submitted = client.submitJob(job);
    // closed on another thread: close() waits for the client's own threads, one of which completes this future
    submitted.whenCompleteAsync((id, error) -> client.close());
    return submitted.thenApply(id -> new PromptJobClient(conf, id, classLoader));
  }

  /** A REST client of the session cluster {@code conf} names; the caller closes it (off the client's own threads). */
  private static RestClusterClient<StandaloneClusterId> client(Configuration conf) {
    try {
      return new RestClusterClient<>(conf, StandaloneClusterId.getInstance());
    } catch (Exception e) {
      throw new IllegalStateException("cannot reach the Flink cluster at " + conf.get(RestOptions.ADDRESS) + ":"
          + conf.get(RestOptions.PORT) + ": " + e.getMessage(), e);
    }
  }

  /** Flink's client of a job on a session cluster, whose result is asked for only once the job has ended. */
  private static final class PromptJobClient implements JobClient {
    private final Configuration conf;
    private final ClusterClientJobClientAdapter<StandaloneClusterId> flink;

    PromptJobClient(Configuration conf, JobID id, ClassLoader classLoader) {
      this.conf = conf;
      this.flink = new ClusterClientJobClientAdapter<>(() -> client(conf), id, classLoader);
    }

    @Override
    public CompletableFuture<JobExecutionResult> getJobExecutionResult() {
      return CompletableFuture.runAsync(this::awaitEnd).thenCompose(ended -> flink.getJobExecutionResult());
    }

    /**
     * Returns once the cluster has the job's result (the first ask for it then gets it). Asking
     * for the result itself, not the job's status: the dispatcher has the result some 50-200 ms
     * after the job reports FINISHED, and Flink's client would then back off again.
     */
    private void awaitEnd() {
      JobMessageParameters job = JobExecutionResultHeaders.getInstance().getUnresolvedMessageParameters();
      job.jobPathParameter.resolve(getJobID());
      try (RestClusterClient<StandaloneClusterId> client = client(conf)) {
        while (client.sendRequest(JobExecutionResultHeaders.getInstance(), job, EmptyRequestBody.getInstance()).get()
            .getStatus().getId() != QueueStatus.Id.COMPLETED) {
          Thread.sleep(POLL_MILLIS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CompletionException(e);
      } catch (Exception e) {
        throw new CompletionException("cannot follow job " + getJobID() + " on the Flink cluster at "
            + conf.get(RestOptions.ADDRESS) + ":" + conf.get(RestOptions.PORT) + ": " + e.getMessage(), e);
      }
    }

    @Override
    public JobID getJobID() {
      return flink.getJobID();
    }

    @Override
    public CompletableFuture<JobStatus> getJobStatus() {
      return flink.getJobStatus();
    }

    @Override
    public CompletableFuture<Void> cancel() {
      return flink.cancel();
    }

    @Override
    public CompletableFuture<String> stopWithSavepoint(boolean advanceToEndOfEventTime, String savepointDirectory,
        SavepointFormatType formatType) {
      return flink.stopWithSavepoint(advanceToEndOfEventTime, savepointDirectory, formatType);
    }

    @Override
    public CompletableFuture<String> triggerSavepoint(String savepointDirectory, SavepointFormatType formatType) {
      return flink.triggerSavepoint(savepointDirectory, formatType);
    }

    @Override
    public CompletableFuture<java.util.Map<String, Object>> getAccumulators() {
      return flink.getAccumulators();
    }
  }
}

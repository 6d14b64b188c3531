using Hangfire;
using ServiceDelivery.Application.Definitions;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// Runs migration batches: enqueued when an operator starts one, and every minute as a sweep that resumes a batch
/// whose host died. One run at a time across all hosts (Hangfire's distributed lock); the batch's cursor makes a
/// resumed run go on where the last one stopped.
/// </summary>
public sealed class MigrationJobs(MigrationBatches batches)
{
    public const string SweepJobId = "migration-batches";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 10)]
    public Task RunAsync(CancellationToken cancellationToken) => batches.RunPendingAsync(cancellationToken);
}

/// <summary>Enqueues a run now; if that fails, the minute sweep starts the batch anyway.</summary>
public sealed class HangfireMigrationKick(IBackgroundJobClient jobs) : IMigrationBatchKick
{
    public void Kick()
    {
        try
        {
            jobs.Enqueue<MigrationJobs>(j => j.RunAsync(CancellationToken.None));
        }
        catch (BackgroundJobClientException)
        {
            // A hint only: the batch is committed and the sweep will run it.
        }
    }
}

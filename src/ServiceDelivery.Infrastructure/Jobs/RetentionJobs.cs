using Hangfire;
using ServiceDelivery.Application.Maintenance;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// The recurring retention run (every five minutes: it also folds the stage counters). One at a time across all
/// hosts; a failed run is not retried because the next one does the same work.
/// </summary>
public sealed class RetentionJobs(RetentionSweep sweep)
{
    public const string JobId = "retention";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task<RetentionReport> RunAsync(CancellationToken cancellationToken) => sweep.RunAsync(cancellationToken);
}

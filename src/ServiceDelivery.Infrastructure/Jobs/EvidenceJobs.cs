using Hangfire;
using ServiceDelivery.Application.Evidence;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// The integrity sweep every ten minutes (it signs the day's anchor once a day is over): one run at a time across
/// all hosts; a failed run is not retried because the next one does the same work.
/// </summary>
public sealed class EvidenceJobs(LogIntegritySweep sweep)
{
    public const string JobId = "log-integrity";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task<LogSweepReport> RunAsync(CancellationToken cancellationToken) => sweep.RunAsync(cancellationToken);
}

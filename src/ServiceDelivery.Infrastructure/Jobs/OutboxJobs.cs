using Hangfire;
using ServiceDelivery.Application.Outbox;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// The Hangfire side of the outbox: the minute sweep that sends whatever is due, in case a host's sender loop is
/// stopped or wedged. No arguments, safe to run twice or on many hosts at once.
/// </summary>
public sealed class OutboxJobs(OutboxDispatcher dispatcher)
{
    public const string SweepJobId = "outbox-sweep";

    [AutomaticRetry(Attempts = 0)]
    public Task<int> DispatchAsync(CancellationToken cancellationToken) => dispatcher.DispatchDueAsync(10_000, cancellationToken);
}

using Hangfire;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Infrastructure.Wakeups;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// The Hangfire side of the outbox: the minute sweep that sends whatever is due, in case a host's sender loop is
/// stopped or wedged. No arguments, safe to run twice or on many hosts at once. Like the loops, it takes one batch
/// only while this host's firer is behind.
/// </summary>
public sealed class OutboxJobs(OutboxDispatcher dispatcher, CommitHub hub, NotificationOptions options)
{
    public const string SweepJobId = "outbox-sweep";

    [AutomaticRetry(Attempts = 0)]
    public Task<int> DispatchAsync(CancellationToken cancellationToken) => dispatcher.DispatchDueAsync(hub.TimersBehind ? options.BatchSize : 10_000, cancellationToken);
}

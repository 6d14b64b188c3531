using Hangfire;
using ServiceDelivery.Application.Outbox;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>The Hangfire side of the outbox: a job that sends what is due. No arguments, safe to run twice.</summary>
public sealed class OutboxJobs(OutboxDispatcher dispatcher)
{
    public const string SweepJobId = "outbox-sweep";

    [AutomaticRetry(Attempts = 0)]
    public Task<int> DispatchAsync(CancellationToken cancellationToken) => dispatcher.DispatchDueAsync(OutboxDispatcher.DefaultBatchSize, cancellationToken);
}

/// <summary>After a commit with new messages, enqueue a send job now (at most one a second per process).</summary>
public sealed class HangfireOutboxSignal(IBackgroundJobClient jobs, TimeProvider clock) : IOutboxSignal
{
    private long _lastSecond = -1;

    public void Pending()
    {
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        if (Interlocked.Exchange(ref _lastSecond, second) != second)
        {
            jobs.Enqueue<OutboxJobs>(j => j.DispatchAsync(CancellationToken.None));
        }
    }
}

namespace ServiceDelivery.Application.Common;

/// <summary>What a committed write tells the rest of the system: which deliveries changed, and what became due.</summary>
/// <param name="Deliveries">The deliveries the transaction changed (pages showing them refresh).</param>
/// <param name="Outbox">True when it wrote messages for the senders.</param>
/// <param name="EarliestTimer">The earliest due time among the timers it started or resumed, if any.</param>
public sealed record CommitNotice(IReadOnlyList<Guid> Deliveries, bool Outbox, DateTimeOffset? EarliestTimer)
{
    /// <summary>Only new messages (a retried notification), no delivery change.</summary>
    public static CommitNotice OutboxOnly { get; } = new([], true, null);
}

/// <summary>
/// Told after every commit. Only a hint: the rows are already durable and the senders' and firers' sweeps find
/// them anyway, so an implementation must return at once and never throw into the committed request.
/// </summary>
public interface ICommitSignal
{
    void Committed(CommitNotice notice);
}

/// <summary>No wake-ups (application tests): rows are sent and timers fired when someone calls the sweeps.</summary>
public sealed class NoCommitSignal : ICommitSignal
{
    public void Committed(CommitNotice notice)
    {
    }
}

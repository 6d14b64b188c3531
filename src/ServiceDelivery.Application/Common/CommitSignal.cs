namespace ServiceDelivery.Application.Common;

/// <summary>What a committed write tells the rest of the system: which deliveries changed, and what became due.</summary>
/// <param name="Deliveries">The deliveries the transaction changed (pages showing them refresh).</param>
/// <param name="Outbox">True when it wrote messages for the senders.</param>
/// <param name="EarliestTimer">The earliest due time among the timers it started or resumed, if any.</param>
/// <param name="Definitions">Process definitions whose draft or versions changed (Studio pages showing them refresh).</param>
public sealed record CommitNotice(IReadOnlyList<Guid> Deliveries, bool Outbox, DateTimeOffset? EarliestTimer, IReadOnlyList<string>? Definitions = null)
{
    /// <summary>A definition's draft was saved or a version published.</summary>
    public static CommitNotice DefinitionChanged(string key) => new([], false, null, [key]);

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

/// <summary>
/// What pages listen to: changes committed on any host (this one directly, the others through the database's
/// notifications). Hints for a refresh, never the data itself.
/// </summary>
public interface ICommitFeed
{
    /// <summary>Deliveries that changed (an empty list: possibly all of them; reload).</summary>
    event Action<IReadOnlyList<Guid>>? DeliveriesChanged;

    /// <summary>Definitions whose draft or versions changed (an empty list: possibly all of them).</summary>
    event Action<IReadOnlyList<string>>? DefinitionsChanged;
}

using System.Collections.Concurrent;
using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Infrastructure.Wakeups;

/// <summary>
/// This host's end of the wake-ups. A commit here wakes the local senders and firer at once and is queued for
/// <see cref="PostgresWakeups"/> to tell every other host (NOTIFY); a notice from another host arrives through
/// <see cref="Receive"/>. Pages that show deliveries subscribe to <see cref="DeliveriesChanged"/>. Everything is a
/// hint: the rows are the truth, and the loops poll anyway.
/// </summary>
public sealed class CommitHub : ICommitSignal, ICommitFeed
{
    private readonly ConcurrentQueue<CommitNotice> _outgoing = new();
    private long _plannedTimerWakeTicks = long.MaxValue;

    /// <summary>Set when messages were committed somewhere: the local sender looks for due rows.</summary>
    public Wake Outbox { get; } = new();

    /// <summary>Set when a timer falls due before the firer planned to look again.</summary>
    public Wake Timers { get; } = new();

    /// <summary>Set when notices wait to be published to the other hosts.</summary>
    internal Wake Outgoing { get; } = new();

    /// <summary>Deliveries that changed on any host (an empty list: possibly all of them; reload).</summary>
    public event Action<IReadOnlyList<Guid>>? DeliveriesChanged;

    /// <summary>Definitions whose draft or versions changed on any host.</summary>
    public event Action<IReadOnlyList<string>>? DefinitionsChanged;

    /// <summary>A write on this host committed.</summary>
    public void Committed(CommitNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        Receive(notice);
        _outgoing.Enqueue(notice);
        Outgoing.Set();
    }

    /// <summary>A commit seen on this host or announced by another one.</summary>
    public void Receive(CommitNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (notice.Outbox)
        {
            Outbox.Set();
        }

        if (notice.EarliestTimer is { } due && due.UtcTicks < Interlocked.Read(ref _plannedTimerWakeTicks))
        {
            Timers.Set();
        }

        if (notice.Deliveries.Count > 0 && DeliveriesChanged is { } handlers)
        {
            Tell(handlers, notice.Deliveries);
        }

        if (notice.Definitions is { Count: > 0 } keys && DefinitionsChanged is { } listeners)
        {
            Tell(listeners, keys);
        }
    }

    /// <summary>
    /// Each subscriber on its own: one page's handler that throws must neither turn the committed write that
    /// told us into an error nor keep the other pages from hearing of it.
    /// </summary>
    private static void Tell<T>(Action<T> subscribers, T changed)
    {
        foreach (var subscriber in subscribers.GetInvocationList().Cast<Action<T>>())
        {
            try
            {
                subscriber(changed);
            }
#pragma warning disable CA1031 // A page's bug is the page's: the commit has happened.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    /// <summary>After a lost connection notices may have been missed: every loop looks again and pages reload.</summary>
    public void Resync()
    {
        Outbox.Set();
        Timers.Set();
        DeliveriesChanged?.Invoke([]);
        DefinitionsChanged?.Invoke([]);
    }

    /// <summary>The firer says when it will look again on its own; earlier timers wake it.</summary>
    public void PlanTimerWake(DateTimeOffset at) => Interlocked.Exchange(ref _plannedTimerWakeTicks, at.UtcTicks);

    /// <summary>Takes every queued notice, to be published together.</summary>
    internal List<CommitNotice> DrainOutgoing()
    {
        var notices = new List<CommitNotice>();
        while (_outgoing.TryDequeue(out var notice))
        {
            notices.Add(notice);
        }

        return notices;
    }
}

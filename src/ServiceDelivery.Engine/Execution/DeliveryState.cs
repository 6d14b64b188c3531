using System.Collections.Immutable;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Timers;

namespace ServiceDelivery.Engine.Execution;

/// <summary>
/// What the engine needs to know about one delivery. The runtime rebuilds it from the delivery row, its open
/// tasks, its live timers and its open disputes, and writes back what a <see cref="Decision"/> changes.
/// </summary>
/// <param name="Stage">Current stage key.</param>
/// <param name="StageEnteredAt">When the current stage was entered.</param>
/// <param name="ReturnStage">While paused: the stage to return to; otherwise null.</param>
/// <param name="Invoice">The order's invoice status.</param>
/// <param name="PaidAmount">The amount actually paid (the most that can be refunded).</param>
/// <param name="Tasks">Open tasks.</param>
/// <param name="Timers">Live timers (running or frozen).</param>
/// <param name="OpenDisputes">Ids of open acceptance-dispute tickets.</param>
public sealed record DeliveryState(
    string Stage,
    DateTimeOffset StageEnteredAt,
    string? ReturnStage,
    InvoiceStatus Invoice,
    decimal PaidAmount,
    ImmutableArray<OpenTask> Tasks,
    ImmutableArray<TimerState> Timers,
    ImmutableArray<string> OpenDisputes)
{
    /// <summary>The live timer with this key, or null.</summary>
    public TimerState? Timer(string key)
    {
        foreach (var timer in Timers)
        {
            if (timer.Key == key)
            {
                return timer;
            }
        }

        return null;
    }

    /// <summary>Which freeze conditions hold now.</summary>
    public FreezeConditions ActiveConditions => OpenDisputes.IsEmpty ? FreezeConditions.None : FreezeConditions.DisputeOpen;
}

/// <summary>An open human task: a role is expected to act in a stage (an inbox entry).</summary>
/// <param name="Role">Who should act.</param>
/// <param name="Stage">The stage it belongs to.</param>
/// <param name="OpenedAt">When it was opened.</param>
public readonly record struct OpenTask(ActorRole Role, string Stage, DateTimeOffset OpenedAt);

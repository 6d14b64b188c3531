using System.Collections.Immutable;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;

namespace ServiceDelivery.Engine.Simulation;

/// <summary>One thing that happened in a simulation: the log entry and the mails it would send.</summary>
/// <param name="At">Virtual time.</param>
/// <param name="Log">The process-log entry (null for a decision that logs nothing).</param>
/// <param name="Notifications">Which template goes to which roles.</param>
public sealed record SimulationStep(DateTimeOffset At, LogEntry? Log, ImmutableArray<NotificationRule> Notifications);

/// <summary>
/// A delivery run on the pure engine with a virtual clock: what a designer tries before publishing. No database, no
/// mail; the decisions are the engine's own, so forms, guards, timers and freezes behave as in production.
/// </summary>
public sealed class Simulation
{
    private readonly List<SimulationStep> _steps = [];
    private int _disputes;

    private Simulation(ProcessDefinition definition, DateTimeOffset start)
    {
        Definition = definition;
        Now = start;
    }

    public ProcessDefinition Definition { get; }

    /// <summary>The virtual clock.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>Null until started.</summary>
    public DeliveryState State { get; private set; } = null!;

    public IReadOnlyList<SimulationStep> Steps => _steps;

    /// <summary>Starts a delivery of an order paid <paramref name="paidAmount"/> at <paramref name="start"/>.</summary>
    public static Simulation Start(ProcessDefinition definition, DateTimeOffset start, decimal paidAmount = 1000m)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var simulation = new Simulation(definition, start);
        var outcome = simulation.Apply(new StartDelivery(new Actor("marketplace", "云市场", ActorRole.Marketplace), paidAmount, InvoiceStatus.None));
        if (outcome is Rejection rejection)
        {
            throw new InvalidOperationException($"The definition cannot start a delivery: {rejection.Code}");
        }

        return simulation;
    }

    /// <summary>The actions <paramref name="role"/> may take now.</summary>
    public ImmutableArray<ActionDefinition> Available(ActorRole role) => WorkflowEngine.AvailableActions(Definition, State, role);

    /// <summary>A party acts with its form; a refusal (wrong stage, invalid form, …) changes nothing.</summary>
    public Outcome Act(ActorRole role, string action, IReadOnlyDictionary<string, string> fields) =>
        Apply(new PerformAction(ActorFor(role), action, new FormData(fields, [])));

    /// <summary>Opens an acceptance dispute (clocks that freeze on disputes stop).</summary>
    public Outcome OpenDispute() => Apply(new OpenDispute(ActorFor(ActorRole.Buyer), $"sim-ticket-{++_disputes}"));

    /// <summary>Resolves the oldest open dispute without a change (frozen clocks run on).</summary>
    public Outcome ResolveDispute() =>
        State.OpenDisputes.IsEmpty ? throw new InvalidOperationException("No open dispute.") : Apply(new ResolveDispute(ActorFor(ActorRole.Platform), State.OpenDisputes[0]));

    /// <summary>How long until the next running timer falls due (null: none runs).</summary>
    public TimeSpan? NextTimerIn
    {
        get
        {
            var due = State.Timers.Where(t => t.DueAt is not null).Select(t => t.DueAt!.Value).ToList();
            return due.Count == 0 ? null : due.Min() - Now is var next && next > TimeSpan.Zero ? next : TimeSpan.Zero;
        }
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way, each at its own due time.</summary>
    public int Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        var target = Now + by;
        var fired = 0;
        while (State.Timers.Where(t => t.DueAt is { } due && due <= target).OrderBy(t => t.DueAt).FirstOrDefault() is { } timer)
        {
            Now = timer.DueAt!.Value > Now ? timer.DueAt.Value : Now;
            var outcome = Apply(new FireTimer(timer.Key));
            if (outcome is Rejection)
            {
                break; // the engine refused (cannot happen for a live timer); stop rather than loop
            }

            fired++;
        }

        Now = target;
        return fired;
    }

    private Outcome Apply(Command command)
    {
        var outcome = WorkflowEngine.Decide(Definition, State, command, Now);
        if (outcome is Decision decision)
        {
            State = decision.State;
            _steps.Add(new SimulationStep(Now, decision.Log, decision.Notifications));
        }

        return outcome;
    }

    private static Actor ActorFor(ActorRole role) => role switch
    {
        ActorRole.Buyer => new Actor("sim-buyer", "买家", role),
        ActorRole.Provider => new Actor("sim-provider", "服务商", role),
        ActorRole.Platform => new Actor("sim-platform", "平台", role),
        _ => new Actor("sim-" + role.ToString().ToLowerInvariant(), role.ToString(), role),
    };
}

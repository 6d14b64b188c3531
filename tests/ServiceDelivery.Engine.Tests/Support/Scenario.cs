using System.Collections.Immutable;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Timers;

namespace ServiceDelivery.Engine.Tests.Support;

/// <summary>
/// One delivery driven through the engine the way the runtime drives it: commands at the current time,
/// accepted decisions become the new state, advancing the clock fires whatever timers fall due.
/// </summary>
internal sealed class Scenario
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    public static readonly Actor Buyer = new("u-1001", "张三", ActorRole.Buyer);
    public static readonly Actor Provider = new("p-2001-staff", "云迁科技 李四", ActorRole.Provider);
    public static readonly Actor Platform = new("op-1", "监管 王五", ActorRole.Platform);
    public static readonly Actor Marketplace = new("marketplace", "云市场", ActorRole.Marketplace);

    /// <summary>A valid form for every action of the shipped definition.</summary>
    public static readonly IReadOnlyDictionary<string, FormData> ValidForms = new Dictionary<string, FormData>
    {
        ["submit_requirement"] = FormData.Of(("description", "把 MySQL 5.7 迁移到云数据库")),
        ["edit_requirement"] = FormData.Of(("description", "把 MySQL 5.7 迁移到云数据库，保留 binlog")),
        ["confirm_requirement"] = FormData.Empty,
        ["reject_requirement"] = FormData.Of(("reason", "需求超出服务范围")),
        ["post_progress"] = FormData.Of(("note", "已完成全量迁移")),
        ["submit_for_acceptance"] = FormData.Of(("details", "迁移完成，校验通过")),
        ["accept"] = FormData.Empty,
        ["reject_delivery"] = FormData.Of(("details", "增量同步未完成")),
        ["request_refund"] = FormData.Of(("reasonCode", "no_longer_needed"), ("description", "项目取消")),
        ["approve_refund"] = FormData.Empty,
        ["reject_refund"] = FormData.Of(("note", "服务商已开始工作")),
    };

    public Scenario(ProcessDefinition definition, DeliveryState state, DateTimeOffset now)
    {
        Definition = definition;
        State = state;
        Now = now;
    }

    public ProcessDefinition Definition { get; }

    public DeliveryState State { get; private set; }

    public DateTimeOffset Now { get; private set; }

    public List<Decision> Decisions { get; } = [];

    public IEnumerable<LogEntry> Log => Decisions.Select(d => d.Log).OfType<LogEntry>();

    public static Scenario Start(InvoiceStatus invoice = InvoiceStatus.None, decimal paid = 1200m, ProcessDefinition? definition = null)
    {
        definition ??= Shipped.Delivery;
        var outcome = WorkflowEngine.Decide(definition, null, new StartDelivery(Marketplace, paid, invoice), T0);
        var decision = outcome.Should().BeOfType<Decision>().Subject;
        var scenario = new Scenario(definition, decision.State, T0);
        scenario.Decisions.Add(decision);
        return scenario;
    }

    /// <summary>A started delivery driven to <paramref name="stage"/> along the shortest path.</summary>
    public static Scenario At(string stage, InvoiceStatus invoice = InvoiceStatus.None)
    {
        var scenario = Start(invoice);
        foreach (var (actor, action) in PathTo(stage))
        {
            if (action.StartsWith("admin_", StringComparison.Ordinal))
            {
                scenario.Accept(new Intervene(actor, InterventionKind.Close, null, FormData.Of(("reason", "违规商品"))));
            }
            else
            {
                scenario.Do(actor, action);
            }
        }

        scenario.State.Stage.Should().Be(stage);
        return scenario;
    }

    public static IEnumerable<(Actor Actor, string Action)> PathTo(string stage) => stage switch
    {
        "requirement_pending" => [],
        "requirement_confirming" => [(Buyer, "submit_requirement")],
        "requirement_rejected" => [.. PathTo("requirement_confirming"), (Provider, "reject_requirement")],
        "implementing" => [.. PathTo("requirement_confirming"), (Provider, "confirm_requirement")],
        "accepting" => [.. PathTo("implementing"), (Provider, "submit_for_acceptance")],
        "completed" => [.. PathTo("accepting"), (Buyer, "accept")],
        "refunding" => [(Buyer, "request_refund")],
        "refunded" => [.. PathTo("refunding"), (Platform, "approve_refund")],
        "closed" => [(Platform, "admin_close")],
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    public Outcome Try(Command command) => WorkflowEngine.Decide(Definition, State, command, Now);

    public Outcome Try(Actor actor, string action, FormData? form = null) =>
        Try(new PerformAction(actor, action, form ?? ValidForms[action]));

    public Decision Do(Actor actor, string action, FormData? form = null) => Accept(new PerformAction(actor, action, form ?? ValidForms[action]));

    public Decision Accept(Command command)
    {
        var outcome = Try(command);
        var decision = outcome.Should().BeOfType<Decision>($"{command} should be accepted in {State.Stage}").Subject;
        Apply(decision);
        return decision;
    }

    public Rejection Reject(Actor actor, string action, FormData? form = null) =>
        Try(actor, action, form).Should().BeOfType<Rejection>($"{action} by {actor.Role} should be refused in {State.Stage}").Subject;

    public Rejection Reject(Command command) =>
        Try(command).Should().BeOfType<Rejection>($"{command} should be refused in {State.Stage}").Subject;

    /// <summary>Moves the clock and fires every timer due by then, earliest first, as the runtime's firer does.</summary>
    public IReadOnlyList<Decision> Advance(TimeSpan by)
    {
        Now += by;
        var fired = new List<Decision>();
        while (State.Timers.Where(t => t.IsRunning && t.DueAt <= Now).OrderBy(t => t.DueAt).FirstOrDefault() is { } due)
        {
            fired.Add(Accept(new FireTimer(due.Key)));
        }

        return fired;
    }

    public void SetInvoice(InvoiceStatus invoice) => State = State with { Invoice = invoice };

    public TimerState? Timer(string key) => State.Timer(key);

    public ImmutableArray<string> Available(ActorRole role) =>
        [.. WorkflowEngine.AvailableActions(Definition, State, role).Select(a => a.Key)];

    private void Apply(Decision decision)
    {
        State = decision.State;
        Decisions.Add(decision);
    }
}

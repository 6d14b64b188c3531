using BenchmarkDotNet.Attributes;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;

namespace ServiceDelivery.Engine.Benchmarks;

/// <summary>
/// Decide on the shipped definition for the commands that dominate real traffic. Each benchmark is one
/// decision: decisions per second = 1 s / Mean; bytes per decision = Allocated.
/// </summary>
[MemoryDiagnoser]
public class DecideBenchmarks
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
    private static readonly Actor Buyer = new("u-1001", "张三", ActorRole.Buyer);
    private static readonly Actor Provider = new("p-2001-staff", "李四", ActorRole.Provider);

    private ProcessDefinition _definition = null!;
    private DeliveryState _pending = null!;
    private DeliveryState _implementing = null!;
    private DeliveryState _accepting = null!;
    private PerformAction _submitRequirement = null!;
    private PerformAction _submitForAcceptance = null!;
    private PerformAction _accept = null!;
    private PerformAction _refundAfterConfirmation = null!;
    private FireTimer _autoAccept = null!;
    private DateTimeOffset _due;

    [GlobalSetup]
    public void Setup()
    {
        _definition = ProcessDefinitionLoader.LoadValid(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", "manual-service-delivery.json")));
        _submitRequirement = new PerformAction(Buyer, "submit_requirement", FormData.Of(("description", "把 MySQL 5.7 迁移到云数据库，保留 binlog")));
        _submitForAcceptance = new PerformAction(Provider, "submit_for_acceptance", FormData.Of(("details", "迁移完成，校验通过")));
        _accept = new PerformAction(Buyer, "accept", FormData.Of(("details", "验收通过")));
        _refundAfterConfirmation = new PerformAction(Buyer, "request_refund", FormData.Of(("reasonCode", "other"), ("description", "不需要了")));
        _autoAccept = new FireTimer("auto_accept");

        _pending = Decided(null, new StartDelivery(new Actor("m", "m", ActorRole.Marketplace), 1200m, InvoiceStatus.None));
        var confirming = Decided(_pending, _submitRequirement);
        _implementing = Decided(confirming, new PerformAction(Provider, "confirm_requirement", FormData.Empty));
        _accepting = Decided(_implementing, _submitForAcceptance);
        _due = T0.AddDays(15);
    }

    [Benchmark(Baseline = true, Description = "submit_requirement (stage change, 1 task closed, 1 opened)")]
    public Outcome SubmitRequirement() => WorkflowEngine.Decide(_definition, _pending, _submitRequirement, T0);

    [Benchmark(Description = "submit_for_acceptance (starts 3 timers)")]
    public Outcome SubmitForAcceptance() => WorkflowEngine.Decide(_definition, _implementing, _submitForAcceptance, T0);

    [Benchmark(Description = "accept (cancels 3 timers, terminal)")]
    public Outcome Accept() => WorkflowEngine.Decide(_definition, _accepting, _accept, T0);

    [Benchmark(Description = "auto_accept timer fires")]
    public Outcome AutoAccept() => WorkflowEngine.Decide(_definition, _accepting, _autoAccept, _due);

    [Benchmark(Description = "request_refund refused (refund_not_allowed)")]
    public Outcome RefundRefused() => WorkflowEngine.Decide(_definition, _implementing, _refundAfterConfirmation, T0);

    private DeliveryState Decided(DeliveryState? state, Command command) =>
        ((Decision)WorkflowEngine.Decide(_definition, state, command, T0)).State;
}

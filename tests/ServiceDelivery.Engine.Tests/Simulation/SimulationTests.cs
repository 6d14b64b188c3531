using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Tests.Support;
using Sim = ServiceDelivery.Engine.Simulation.Simulation;

namespace ServiceDelivery.Engine.Tests.Simulation;

public sealed class SimulationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.FromHours(8));

    private static Dictionary<string, string> Form(params (string Key, string Value)[] fields) => fields.ToDictionary(f => f.Key, f => f.Value);

    [Fact]
    public void The_shipped_process_runs_to_auto_acceptance_on_the_virtual_clock_with_its_reminders_and_real_form_checks()
    {
        var sim = Sim.Start(Shipped.Delivery, T0);

        var empty = sim.Act(ActorRole.Buyer, "submit_requirement", Form());
        ((Rejection)empty).Code.Should().Be(RejectionCode.ValidationFailed, "the action's real form requires a description");
        sim.State.Stage.Should().Be("requirement_pending", "a refusal changes nothing");

        sim.Act(ActorRole.Buyer, "submit_requirement", Form(("description", "迁移数据库"))).Should().BeOfType<Decision>();
        sim.Available(ActorRole.Provider).Select(a => a.Key).Should().Contain("confirm_requirement");
        sim.Act(ActorRole.Provider, "confirm_requirement", Form()).Should().BeOfType<Decision>();
        sim.Act(ActorRole.Provider, "submit_for_acceptance", Form(("details", "完成"))).Should().BeOfType<Decision>();
        sim.NextTimerIn.Should().Be(TimeSpan.FromDays(12), "the first reminder is three days before the 15-day deadline");

        sim.Advance(TimeSpan.FromDays(14)).Should().Be(2, "both reminders fell due");
        sim.State.Stage.Should().Be("accepting");
        sim.Advance(TimeSpan.FromDays(1)).Should().Be(1);

        sim.State.Stage.Should().Be("completed");
        var last = sim.Steps[^1];
        (last.Log!.Action, last.Log.Actor.Role, last.At).Should().Be(("accept", ActorRole.System, T0 + TimeSpan.FromDays(15)));
        sim.Steps.SelectMany(s => s.Notifications).Count(n => n.Template == "acceptance_reminder").Should().Be(2);
    }

    [Fact]
    public void An_open_dispute_freezes_the_clock_in_the_simulation_and_resolving_it_resumes_with_the_time_left()
    {
        var sim = Sim.Start(Shipped.Delivery, T0);
        sim.Act(ActorRole.Buyer, "submit_requirement", Form(("description", "x")));
        sim.Act(ActorRole.Provider, "confirm_requirement", Form());
        sim.Act(ActorRole.Provider, "submit_for_acceptance", Form(("details", "完成")));
        sim.Advance(TimeSpan.FromDays(10));

        sim.OpenDispute().Should().BeOfType<Decision>();
        sim.Advance(TimeSpan.FromDays(30)).Should().Be(0, "a frozen clock does not fire");
        sim.ResolveDispute().Should().BeOfType<Decision>();

        sim.State.Stage.Should().Be("accepting");
        sim.State.Timer("auto_accept")!.DueAt.Should().Be(sim.Now + TimeSpan.FromDays(5));
    }
}

using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Timers;
using ServiceDelivery.Engine.Tests.Support;

namespace ServiceDelivery.Engine.Tests.Execution;

/// <summary>
/// Long random command sequences (valid and invalid, any role, any time) never produce an inconsistent
/// state, and every decision's changes, applied to the state before, give exactly the state after (which is
/// what the runtime persists). Seeds are fixed so a failure reproduces.
/// </summary>
public sealed class RandomWalkTests
{
    private const int Walks = 300;
    private const int StepsPerWalk = 150;

    private static readonly ActorRole[] Roles = [ActorRole.Buyer, ActorRole.Provider, ActorRole.Platform, ActorRole.System];
    private static readonly string[] Tickets = ["T-1", "T-2", "T-3"];

    [Fact]
    public void Random_command_sequences_keep_every_invariant()
    {
        var definition = Shipped.Delivery;
        var actions = definition.Actions.Select(a => a.Key).Append("unknown_action").ToArray();
        var stages = definition.Stages.Select(s => s.Key).ToArray();
        var timers = definition.Stages.SelectMany(s => s.Timers).Select(t => t.Key).ToArray();
        var commandsSeen = 0;
        var decisionsSeen = 0;
        var terminalReached = new HashSet<string>();

        for (var seed = 0; seed < Walks; seed++)
        {
            var random = new Random(seed);
            var delivery = Scenario.Start(paid: 100m + seed);
            for (var step = 0; step < StepsPerWalk; step++)
            {
                Command? command = random.Next(20) switch
                {
                    < 10 => RandomAction(random, actions),
                    10 or 11 => new FireTimer(timers[random.Next(timers.Length)]),
                    12 => new OpenDispute(Scenario.Buyer, Tickets[random.Next(Tickets.Length)]),
                    13 => new ResolveDispute(Scenario.Platform, Tickets[random.Next(Tickets.Length)]),
                    14 => new Intervene(
                        new Actor("op", "op", Roles[random.Next(Roles.Length)]),
                        (InterventionKind)random.Next(4),
                        random.Next(5) == 0 ? null : stages[random.Next(stages.Length)],
                        random.Next(6) == 0 ? FormData.Empty : FormData.Of(("reason", "原因")),
                        random.Next(3) == 0 ? null : random.Next(-10, 400)),
                    15 => null, // invoice change below
                    _ => null, // clock below
                };

                if (command is null)
                {
                    if (random.Next(2) == 0)
                    {
                        delivery.SetInvoice((InvoiceStatus)random.Next(4));
                    }
                    else
                    {
                        AdvanceAndFire(delivery, TimeSpan.FromMinutes(random.Next(1, 60 * 24 * 20)));
                    }

                    continue;
                }

                commandsSeen++;
                var before = delivery.State;
                var outcome = delivery.Try(command);
                if (outcome is Decision decision)
                {
                    decisionsSeen++;
                    CheckDecision(definition, before, command, decision, delivery.Now);
                    delivery.Accept(command);
                    CheckState(definition, delivery.State, $"seed {seed} step {step} after {command}");
                    if (definition.Stage(delivery.State.Stage).IsTerminal)
                    {
                        terminalReached.Add(delivery.State.Stage);
                    }
                }
            }
        }

        commandsSeen.Should().BeGreaterThan(Walks * StepsPerWalk / 2);
        decisionsSeen.Should().BeGreaterThan(Walks * 3, "the walks must actually move deliveries, not just collect rejections");
        terminalReached.Should().BeEquivalentTo(["completed", "refunded", "closed"]);
    }

    [Fact]
    public void Deciding_the_same_command_twice_gives_the_same_outcome()
    {
        var delivery = Scenario.At("accepting");
        var command = new PerformAction(Scenario.Buyer, "reject_delivery", Scenario.ValidForms["reject_delivery"]);

        var first = delivery.Try(command);
        var second = delivery.Try(command);

        second.Should().BeEquivalentTo(first, o => o.RespectingRuntimeTypes());
    }

    private static PerformAction RandomAction(Random random, string[] actions)
    {
        var action = actions[random.Next(actions.Length)];
        var form = random.Next(5) == 0 || !Scenario.ValidForms.TryGetValue(action, out var valid) ? FormData.Of(("junk", "x")) : valid;
        return new PerformAction(new Actor("someone", "某人", Roles[random.Next(Roles.Length)]), action, form);
    }

    private static void AdvanceAndFire(Scenario delivery, TimeSpan by)
    {
        delivery.Advance(by);
        delivery.State.Timers.Should().NotContain(t => t.IsRunning && t.DueAt <= delivery.Now, "every due timer fired");
    }

    private static void CheckDecision(ProcessDefinition definition, DeliveryState before, Command command, Decision decision, DateTimeOffset now)
    {
        var from = definition.Stage(before.Stage);
        if (command is PerformAction { Actor.Role: ActorRole.Buyer or ActorRole.Provider } && from.IsPaused)
        {
            throw new InvalidOperationException($"a paused delivery accepted {command}");
        }

        if (command is FireTimer fire)
        {
            before.Timer(fire.Timer)!.DueAt.Should().NotBeNull().And.BeOnOrBefore(now, "a timer never fires early");
        }

        // The deltas are what the runtime writes: applied to the state before, they must give the state after.
        var tasks = before.Tasks.ToList();
        foreach (var change in decision.Tasks)
        {
            if (change.Opened)
            {
                tasks.Add(change.Task);
            }
            else
            {
                tasks.Remove(change.Task).Should().BeTrue("only open tasks are closed");
            }
        }

        tasks.Should().BeEquivalentTo(decision.State.Tasks);

        var timers = before.Timers.ToDictionary(t => t.Key);
        foreach (var change in decision.Timers)
        {
            switch (change.Kind)
            {
                case TimerChangeKind.Started:
                    timers.Should().NotContainKey(change.Timer.Key);
                    timers[change.Timer.Key] = change.Timer;
                    break;
                case TimerChangeKind.Frozen:
                case TimerChangeKind.Resumed:
                    timers.Should().ContainKey(change.Timer.Key);
                    timers[change.Timer.Key] = change.Timer;
                    break;
                default:
                    timers.Remove(change.Timer.Key).Should().BeTrue("only live timers end");
                    break;
            }
        }

        timers.Values.Should().BeEquivalentTo(decision.State.Timers);
        if (decision.StageEntered)
        {
            decision.Log.Should().NotBeNull("every stage change is a logged step");
            decision.State.StageEnteredAt.Should().Be(now);
        }

        if (command is PerformAction or Intervene)
        {
            decision.Log.Should().NotBeNull();
            decision.Log!.Actor.Should().Be(command.Actor);
        }
    }

    private static void CheckState(ProcessDefinition definition, DeliveryState state, string because)
    {
        var stage = definition.Stage(state.Stage);
        if (stage.IsTerminal)
        {
            state.Tasks.Should().BeEmpty(because);
            state.Timers.Should().BeEmpty(because);
        }

        state.Tasks.Select(t => (t.Role, t.Stage)).Should().BeEquivalentTo(stage.Assignees.Select(r => (r, stage.Key)), because);
        state.Timers.Select(t => t.Key).Should().OnlyHaveUniqueItems(because);
        (state.ReturnStage is not null).Should().Be(stage.IsPaused, because);

        foreach (var timer in state.Timers)
        {
            var ownStage = timer.Stage == state.Stage || (stage.IsPaused && timer.Stage == state.ReturnStage);
            ownStage.Should().BeTrue($"timer {timer.Key} belongs to the current stage or the one we return to; {because}");
            if (timer.IsRunning)
            {
                (timer.DueAt is not null && timer.Remaining is null).Should().BeTrue(because);
                timer.Stage.Should().Be(state.Stage, because);
            }
            else
            {
                (timer.DueAt is null && timer.Remaining >= TimeSpan.Zero).Should().BeTrue(because);
            }

            definition.TryGetTimer(timer.Key, out var timerDefinition).Should().BeTrue();
            var disputeHolds = !state.OpenDisputes.IsEmpty && timerDefinition.FreezeWhile.HasFlag(FreezeConditions.DisputeOpen);
            timer.FrozenBy.HasFlag(FreezeReasons.Dispute).Should().Be(disputeHolds, because);
            timer.FrozenBy.HasFlag(FreezeReasons.Paused).Should().Be(stage.IsPaused && timer.Stage != state.Stage, because);
        }

        state.OpenDisputes.Should().OnlyHaveUniqueItems(because);
    }
}

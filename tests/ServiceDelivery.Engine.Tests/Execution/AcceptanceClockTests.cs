using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Timers;
using ServiceDelivery.Engine.Tests.Support;
using static ServiceDelivery.Engine.Tests.Support.Scenario;

namespace ServiceDelivery.Engine.Tests.Execution;

/// <summary>The 15-day auto-acceptance, its reminders, and the clocks that stand still.</summary>
public sealed class AcceptanceClockTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FifteenDays = TimeSpan.FromDays(15);

    [Fact]
    public void Submitting_for_acceptance_starts_the_auto_accept_timer_and_two_reminders()
    {
        var delivery = Scenario.At("implementing");
        var submittedAt = delivery.Now;

        var submitted = delivery.Do(Provider, "submit_for_acceptance");

        submitted.Timers.Should().OnlyContain(c => c.Kind == TimerChangeKind.Started);
        delivery.State.Timers.Select(t => (t.Key, t.DueAt)).Should().BeEquivalentTo(new (string, DateTimeOffset?)[]
        {
            ("auto_accept", submittedAt + FifteenDays),
            ("acceptance_reminder_3d", submittedAt + TimeSpan.FromDays(12)),
            ("acceptance_reminder_1d", submittedAt + TimeSpan.FromDays(14)),
        });
    }

    [Fact]
    public void Auto_acceptance_happens_after_exactly_fifteen_days_and_not_a_second_earlier()
    {
        var delivery = Scenario.At("accepting");

        delivery.Advance(FifteenDays - OneSecond);
        delivery.State.Stage.Should().Be("accepting");
        var fired = delivery.Advance(OneSecond);

        delivery.State.Stage.Should().Be("completed");
        var acceptance = fired[^1];
        acceptance.Log!.Action.Should().Be("accept");
        acceptance.Log.Actor.Should().Be(Actor.System);
        acceptance.Log.Timer.Should().Be("auto_accept");
        acceptance.Log.FromStage.Should().Be("accepting");
        acceptance.Notifications.Select(n => n.Template).Should().Equal("auto_accepted");
        delivery.State.Timers.Should().BeEmpty();
        delivery.State.Tasks.Should().BeEmpty();
    }

    [Fact]
    public void The_buyer_is_reminded_at_twelve_and_fourteen_days()
    {
        var delivery = Scenario.At("accepting");

        delivery.Advance(TimeSpan.FromDays(12) - OneSecond).Should().BeEmpty();
        var first = delivery.Advance(OneSecond);
        delivery.Advance(TimeSpan.FromDays(2) - OneSecond).Should().BeEmpty();
        var second = delivery.Advance(OneSecond);

        first.Should().ContainSingle().Which.Notifications.Should().ContainSingle(n => n.Template == "acceptance_reminder")
            .Which.To.Should().Equal(ActorRole.Buyer);
        second.Should().ContainSingle().Which.Notifications.Should().ContainSingle(n => n.Template == "acceptance_reminder");
        first[0].Log.Should().BeNull("a reminder is not a step of the process");
        delivery.State.Stage.Should().Be("accepting");
        delivery.State.Timers.Select(t => t.Key).Should().Equal("auto_accept");
    }

    [Fact]
    public void Reminders_that_come_due_with_their_timer_after_an_outage_fire_silently()
    {
        var delivery = Scenario.At("accepting");
        var outageEnd = delivery.Now + FifteenDays + TimeSpan.FromHours(3);

        var fired = delivery.Advance(outageEnd - delivery.Now);

        fired.Should().HaveCount(3, "each overdue timer fires once");
        fired.SelectMany(d => d.Notifications).Select(n => n.Template).Should().Equal("auto_accepted");
        delivery.State.Stage.Should().Be("completed");
    }

    [Fact]
    public void A_timer_that_is_not_due_or_no_longer_live_cannot_fire()
    {
        var delivery = Scenario.At("accepting");

        delivery.Reject(new FireTimer("auto_accept")).Code.Should().Be(RejectionCode.InvalidTransition);
        delivery.Reject(new FireTimer("no_such_timer")).Code.Should().Be(RejectionCode.InvalidTransition);
        delivery.Do(Buyer, "accept");
        delivery.Advance(TimeSpan.FromDays(30)).Should().BeEmpty();
        delivery.Reject(new FireTimer("auto_accept")).Code.Should().Be(RejectionCode.InvalidTransition);
    }

    [Fact]
    public void Each_submission_restarts_the_fifteen_days_and_only_one_auto_accept_timer_is_ever_live()
    {
        var delivery = Scenario.At("accepting");
        delivery.Advance(TimeSpan.FromDays(5));
        delivery.Do(Buyer, "reject_delivery");
        delivery.State.Timers.Should().BeEmpty();
        delivery.Advance(TimeSpan.FromDays(5));

        delivery.Do(Provider, "submit_for_acceptance");
        var resubmittedAt = delivery.Now;
        delivery.Advance(TimeSpan.FromDays(6));

        delivery.State.Stage.Should().Be("accepting", "fifteen days after the first submission is not fifteen after the second");
        delivery.State.Timers.Count(t => t.Key == "auto_accept").Should().Be(1);
        delivery.Timer("auto_accept")!.DueAt.Should().Be(resubmittedAt + FifteenDays);
        delivery.Advance(TimeSpan.FromDays(9));
        delivery.State.Stage.Should().Be("completed");
    }

    [Fact]
    public void An_open_dispute_freezes_the_clock_which_resumes_with_the_remaining_time_to_the_second()
    {
        var delivery = Scenario.At("accepting");
        delivery.Advance(TimeSpan.FromDays(5) + TimeSpan.FromSeconds(17));

        var opened = delivery.Accept(new OpenDispute(Buyer, "T-1"));
        opened.Timers.Should().HaveCount(3).And.OnlyContain(c => c.Kind == TimerChangeKind.Frozen);
        delivery.Timer("auto_accept")!.Remaining.Should().Be(TimeSpan.FromDays(10) - TimeSpan.FromSeconds(17));
        delivery.Timer("auto_accept")!.DueAt.Should().BeNull();
        delivery.Advance(TimeSpan.FromDays(40)).Should().BeEmpty("a frozen clock never fires");

        var resolved = delivery.Accept(new ResolveDispute(Platform, "T-1"));
        resolved.Timers.Should().HaveCount(3).And.OnlyContain(c => c.Kind == TimerChangeKind.Resumed);
        delivery.Timer("auto_accept")!.DueAt.Should().Be(delivery.Now + TimeSpan.FromDays(10) - TimeSpan.FromSeconds(17));
        delivery.Timer("acceptance_reminder_3d")!.DueAt.Should().Be(delivery.Now + TimeSpan.FromDays(7) - TimeSpan.FromSeconds(17));
        delivery.Advance(TimeSpan.FromDays(10) - TimeSpan.FromSeconds(18));
        delivery.State.Stage.Should().Be("accepting");
        delivery.Advance(OneSecond);
        delivery.State.Stage.Should().Be("completed");
    }

    [Fact]
    public void The_clock_stays_frozen_until_the_last_open_dispute_is_resolved()
    {
        var delivery = Scenario.At("accepting");
        delivery.Accept(new OpenDispute(Buyer, "T-1"));
        delivery.Accept(new OpenDispute(Provider, "T-2"));

        var firstResolved = delivery.Accept(new ResolveDispute(Platform, "T-1"));

        firstResolved.Timers.Should().BeEmpty();
        delivery.Timer("auto_accept")!.IsRunning.Should().BeFalse();
        delivery.Accept(new ResolveDispute(Platform, "T-2"));
        delivery.Timer("auto_accept")!.IsRunning.Should().BeTrue();
    }

    [Fact]
    public void Opening_or_resolving_the_same_dispute_twice_changes_nothing()
    {
        var delivery = Scenario.At("accepting");
        delivery.Accept(new OpenDispute(Buyer, "T-1"));
        var frozen = delivery.State;

        delivery.Accept(new OpenDispute(Buyer, "T-1")).Timers.Should().BeEmpty();
        delivery.State.Should().Be(frozen);
        delivery.Accept(new ResolveDispute(Platform, "T-1"));
        delivery.Accept(new ResolveDispute(Platform, "T-1")).Timers.Should().BeEmpty();
    }

    [Fact]
    public void A_dispute_opened_before_acceptance_starts_the_clock_frozen()
    {
        var delivery = Scenario.At("implementing");
        delivery.Accept(new OpenDispute(Buyer, "T-9"));

        delivery.Do(Provider, "submit_for_acceptance");

        delivery.State.Timers.Should().OnlyContain(t => !t.IsRunning);
        delivery.Timer("auto_accept")!.Remaining.Should().Be(FifteenDays);
        delivery.Advance(TimeSpan.FromDays(3));
        delivery.Accept(new ResolveDispute(Platform, "T-9"));
        delivery.Timer("auto_accept")!.DueAt.Should().Be(delivery.Now + FifteenDays);
    }

    [Fact]
    public void Pausing_for_a_refund_review_freezes_the_acceptance_clock_and_a_rejected_refund_resumes_it()
    {
        var delivery = Scenario.At("accepting");
        delivery.Advance(TimeSpan.FromDays(4));

        // A refund is not requestable in accepting; an operator can still move the delivery into review.
        delivery.Accept(new Intervene(Platform, InterventionKind.Move, "refunding", FormData.Of(("reason", "买家投诉，转退款审核"))));
        delivery.State.ReturnStage.Should().Be("accepting");
        delivery.Timer("auto_accept")!.Remaining.Should().Be(TimeSpan.FromDays(11));
        delivery.Advance(TimeSpan.FromDays(20)).Should().BeEmpty();
        var returned = delivery.Do(Platform, "reject_refund");

        delivery.State.Stage.Should().Be("accepting");
        returned.Timers.Should().HaveCount(3).And.OnlyContain(c => c.Kind == TimerChangeKind.Resumed);
        delivery.Timer("auto_accept")!.DueAt.Should().Be(delivery.Now + TimeSpan.FromDays(11));
        delivery.State.Timers.Should().HaveCount(3, "returning resumes the clocks instead of starting new ones");
    }

    [Fact]
    public void An_approved_refund_cancels_the_frozen_clocks()
    {
        var delivery = Scenario.At("accepting");
        delivery.Accept(new Intervene(Platform, InterventionKind.Move, "refunding", FormData.Of(("reason", "转退款审核"))));

        var approved = delivery.Do(Platform, "approve_refund");

        approved.Timers.Should().HaveCount(3).And.OnlyContain(c => c.Kind == TimerChangeKind.Cancelled);
        delivery.State.Timers.Should().BeEmpty();
    }

    [Fact]
    public void A_dispute_and_a_pause_both_hold_the_clock_until_both_end()
    {
        var delivery = Scenario.At("accepting");
        delivery.Accept(new OpenDispute(Buyer, "T-1"));
        delivery.Accept(new Intervene(Platform, InterventionKind.Move, "refunding", FormData.Of(("reason", "转退款审核"))));
        delivery.Do(Platform, "reject_refund");

        delivery.Timer("auto_accept")!.IsRunning.Should().BeFalse("the dispute is still open");
        delivery.Timer("auto_accept")!.FrozenBy.Should().Be(FreezeReasons.Dispute);
        delivery.Accept(new ResolveDispute(Platform, "T-1"));
        delivery.Timer("auto_accept")!.IsRunning.Should().BeTrue();
    }
}

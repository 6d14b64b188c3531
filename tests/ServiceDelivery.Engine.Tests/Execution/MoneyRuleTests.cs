using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Timers;
using ServiceDelivery.Engine.Tests.Support;
using static ServiceDelivery.Engine.Tests.Support.Scenario;

namespace ServiceDelivery.Engine.Tests.Execution;

/// <summary>
/// The invoice rule holds on every path that pays money back, and a clock never moves without a line in the log.
/// </summary>
public sealed class MoneyRuleTests
{
    private static readonly FormData Reason = FormData.Of(("reason", "工单处理结果"));

    public static TheoryData<InvoiceStatus, bool> Invoices() => new()
    {
        { InvoiceStatus.None, true },
        { InvoiceStatus.Requested, false },
        { InvoiceStatus.Issued, false },
        { InvoiceStatus.Returned, true },
    };

    [Theory]
    [MemberData(nameof(Invoices))]
    public void A_platform_refund_obeys_the_invoice_rule_of_a_refund_approval(InvoiceStatus invoice, bool allowed)
    {
        var delivery = Scenario.At("implementing");
        delivery.SetInvoice(invoice);

        var outcome = delivery.Try(new Intervene(Platform, InterventionKind.Refund, null, Reason, 600m));

        AssertInvoiceRule(outcome, allowed);
    }

    [Theory]
    [MemberData(nameof(Invoices))]
    public void Moving_a_delivery_to_a_refunded_stage_obeys_the_invoice_rule_too(InvoiceStatus invoice, bool allowed)
    {
        var delivery = Scenario.At("accepting");
        delivery.SetInvoice(invoice);

        var outcome = delivery.Try(new Intervene(Platform, InterventionKind.Move, "refunded", Reason));

        AssertInvoiceRule(outcome, allowed);
    }

    [Theory]
    [InlineData(InterventionKind.Close)]
    [InlineData(InterventionKind.Complete)]
    public void Interventions_that_pay_nothing_back_ignore_the_invoice(InterventionKind kind)
    {
        var delivery = Scenario.At("accepting");
        delivery.SetInvoice(InvoiceStatus.Issued);

        delivery.Try(new Intervene(Platform, kind, null, Reason)).Should().BeOfType<Decision>();
    }

    [Fact]
    public void A_dispute_that_stops_the_clock_and_its_resolution_that_restarts_it_are_both_logged()
    {
        var delivery = Scenario.At("accepting");
        delivery.Advance(TimeSpan.FromDays(4) + TimeSpan.FromHours(3));

        var opened = delivery.Accept(new OpenDispute(Buyer, "T-1"));
        delivery.Advance(TimeSpan.FromDays(20));
        var resolved = delivery.Accept(new ResolveDispute(Platform, "T-1"));

        opened.Log!.Action.Should().Be(WorkflowEngine.ClockFrozen);
        opened.Log.Actor.Should().Be(Buyer);
        opened.Log.Data.Should().Contain("timer", "auto_accept").And.Contain("ticketId", "T-1").And.Contain("remaining", "P10DT21H");
        resolved.Log!.Action.Should().Be(WorkflowEngine.ClockResumed);
        resolved.Log.Actor.Should().Be(Platform);
        resolved.Log.Data.Should().Contain("timer", "auto_accept")
            .And.Contain("dueAt", (delivery.Now + TimeSpan.FromDays(10) + TimeSpan.FromHours(21)).UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_dispute_with_no_clock_to_stop_writes_no_clock_line()
    {
        var delivery = Scenario.At("implementing");

        delivery.Accept(new OpenDispute(Buyer, "T-1")).Log.Should().BeNull();
    }

    [Fact]
    public void A_second_dispute_while_the_clock_already_stands_writes_no_second_line()
    {
        var delivery = Scenario.At("accepting");
        delivery.Accept(new OpenDispute(Buyer, "T-1"));

        delivery.Accept(new OpenDispute(Provider, "T-2")).Log.Should().BeNull();
        delivery.Accept(new ResolveDispute(Platform, "T-1")).Log.Should().BeNull("the other dispute still holds the clock");
        delivery.Accept(new ResolveDispute(Platform, "T-2")).Log!.Action.Should().Be(WorkflowEngine.ClockResumed);
    }

    [Theory]
    [InlineData("clock_frozen")]
    [InlineData("clock_resumed")]
    [InlineData("set_invoice_status")]
    public void The_log_words_of_the_service_are_reserved_action_keys(string key)
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();
        document["actions"]![0]!["key"] = key;
        document["stages"]![0]!["actions"]![0] = key;

        var result = ProcessDefinitionLoader.Load(document.ToJsonString());

        result.Errors.Should().Contain(e => e.Code == "reserved_key" && e.Path == "$.actions[0].key");
    }

    private static void AssertInvoiceRule(Outcome outcome, bool allowed)
    {
        if (allowed)
        {
            outcome.Should().BeOfType<Decision>().Which.State.Stage.Should().Be("refunded");
            return;
        }

        var rejection = outcome.Should().BeOfType<Rejection>().Subject;
        rejection.Code.Should().Be(RejectionCode.InvoiceBlocksRefund);
        rejection.Guard.Should().Be(Guard.InvoiceNoneOrReturned);
    }
}

using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Tests.Support;

namespace ServiceDelivery.Engine.Tests.Execution;

/// <summary>
/// Every stage × action × role of the shipped process, written out as PRODUCT.md states it. A cell is
/// "ok" (the action is performed) or the exact rejection: inv = invalid_transition, forb = forbidden_action,
/// paused = delivery_paused, refund = refund_not_allowed.
/// </summary>
public sealed class PermissionTableTests
{
    private const string Table = """
        stage                  action                  buyer   provider platform
        requirement_pending    submit_requirement      ok      forb     forb
        requirement_pending    edit_requirement        inv     forb     forb
        requirement_pending    confirm_requirement     forb    inv      forb
        requirement_pending    reject_requirement      forb    inv      forb
        requirement_pending    post_progress           forb    inv      forb
        requirement_pending    submit_for_acceptance   forb    inv      forb
        requirement_pending    accept                  inv     forb     forb
        requirement_pending    reject_delivery         inv     forb     forb
        requirement_pending    request_refund          ok      forb     forb
        requirement_pending    approve_refund          forb    forb     inv
        requirement_pending    reject_refund           forb    forb     inv
        requirement_confirming submit_requirement      inv     forb     forb
        requirement_confirming edit_requirement        ok      forb     forb
        requirement_confirming confirm_requirement     forb    ok       forb
        requirement_confirming reject_requirement      forb    ok       forb
        requirement_confirming post_progress           forb    inv      forb
        requirement_confirming submit_for_acceptance   forb    inv      forb
        requirement_confirming accept                  inv     forb     forb
        requirement_confirming reject_delivery         inv     forb     forb
        requirement_confirming request_refund          ok      forb     forb
        requirement_confirming approve_refund          forb    forb     inv
        requirement_confirming reject_refund           forb    forb     inv
        requirement_rejected   submit_requirement      ok      forb     forb
        requirement_rejected   edit_requirement        inv     forb     forb
        requirement_rejected   confirm_requirement     forb    inv      forb
        requirement_rejected   reject_requirement      forb    inv      forb
        requirement_rejected   post_progress           forb    inv      forb
        requirement_rejected   submit_for_acceptance   forb    inv      forb
        requirement_rejected   accept                  inv     forb     forb
        requirement_rejected   reject_delivery         inv     forb     forb
        requirement_rejected   request_refund          ok      forb     forb
        requirement_rejected   approve_refund          forb    forb     inv
        requirement_rejected   reject_refund           forb    forb     inv
        implementing           submit_requirement      inv     forb     forb
        implementing           edit_requirement        inv     forb     forb
        implementing           confirm_requirement     forb    inv      forb
        implementing           reject_requirement      forb    inv      forb
        implementing           post_progress           forb    ok       forb
        implementing           submit_for_acceptance   forb    ok       forb
        implementing           accept                  inv     forb     forb
        implementing           reject_delivery         inv     forb     forb
        implementing           request_refund          refund  forb     forb
        implementing           approve_refund          forb    forb     inv
        implementing           reject_refund           forb    forb     inv
        accepting              submit_requirement      inv     forb     forb
        accepting              edit_requirement        inv     forb     forb
        accepting              confirm_requirement     forb    inv      forb
        accepting              reject_requirement      forb    inv      forb
        accepting              post_progress           forb    inv      forb
        accepting              submit_for_acceptance   forb    inv      forb
        accepting              accept                  ok      forb     forb
        accepting              reject_delivery         ok      forb     forb
        accepting              request_refund          refund  forb     forb
        accepting              approve_refund          forb    forb     inv
        accepting              reject_refund           forb    forb     inv
        refunding              submit_requirement      paused  forb     forb
        refunding              edit_requirement        paused  forb     forb
        refunding              confirm_requirement     forb    paused   forb
        refunding              reject_requirement      forb    paused   forb
        refunding              post_progress           forb    paused   forb
        refunding              submit_for_acceptance   forb    paused   forb
        refunding              accept                  paused  forb     forb
        refunding              reject_delivery         paused  forb     forb
        refunding              request_refund          paused  forb     forb
        refunding              approve_refund          forb    forb     ok
        refunding              reject_refund           forb    forb     ok
        """;

    private static readonly string[] TerminalStages = ["completed", "refunded", "closed"];
    private static readonly ActorRole[] Roles = [ActorRole.Buyer, ActorRole.Provider, ActorRole.Platform];

    public static TheoryData<string, string, ActorRole, string> Cells()
    {
        var data = new TheoryData<string, string, ActorRole, string>();
        foreach (var line in Table.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var r = 0; r < Roles.Length; r++)
            {
                data.Add(cells[0], cells[1], Roles[r], cells[2 + r]);
            }
        }

        // Terminal stages accept nothing from anyone; a buyer asking for a refund is told to open a ticket.
        foreach (var stage in TerminalStages)
        {
            foreach (var action in Scenario.ValidForms.Keys)
            {
                foreach (var role in Roles)
                {
                    data.Add(stage, action, role, action == "request_refund" && role == ActorRole.Buyer ? "refund" : "inv");
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Every_stage_action_and_role_gives_the_specified_outcome(string stage, string action, ActorRole role, string expected)
    {
        var delivery = Scenario.At(stage);
        var actor = new Actor("someone", "某人", role);

        var outcome = delivery.Try(actor, action);

        if (expected == "ok")
        {
            outcome.Should().BeOfType<Decision>();
        }
        else
        {
            var rejection = outcome.Should().BeOfType<Rejection>().Subject;
            rejection.Code.Should().Be(expected switch
            {
                "inv" => RejectionCode.InvalidTransition,
                "forb" => RejectionCode.ForbiddenAction,
                "paused" => RejectionCode.DeliveryPaused,
                "refund" => RejectionCode.RefundNotAllowed,
                _ => throw new ArgumentOutOfRangeException(nameof(expected), expected, null),
            });
            rejection.Stage.Should().Be(stage);
            rejection.AllowedActions.Should().BeEquivalentTo(delivery.Available(role));
        }
    }

    [Fact]
    public void The_table_covers_every_stage_and_action_of_the_shipped_definition()
    {
        var covered = Cells().Select(row => ((string)row[0], (string)row[1])).Distinct().ToList();

        var all = Shipped.Delivery.Stages.SelectMany(s => Shipped.Delivery.Actions.Select(a => (s.Key, a.Key)));
        covered.Should().BeEquivalentTo(all);
        Shipped.Delivery.Stages.Should().HaveCount(9);
        Shipped.Delivery.Actions.Should().HaveCount(11);
    }

    [Fact]
    public void An_action_the_definition_does_not_know_is_an_invalid_transition_listing_what_is_allowed()
    {
        var delivery = Scenario.At("accepting");

        var rejection = delivery.Reject(Scenario.Buyer, "cancel_everything", FormData.Empty);

        rejection.Code.Should().Be(RejectionCode.InvalidTransition);
        rejection.AllowedActions.Should().Equal("accept", "reject_delivery");
    }

    [Theory]
    [InlineData(ActorRole.System)]
    [InlineData(ActorRole.Marketplace)]
    public void The_service_roles_cannot_perform_party_actions(ActorRole role)
    {
        var delivery = Scenario.At("accepting");

        var rejection = delivery.Reject(new Actor("svc", "svc", role), "accept");

        rejection.Code.Should().Be(RejectionCode.ForbiddenAction);
    }
}

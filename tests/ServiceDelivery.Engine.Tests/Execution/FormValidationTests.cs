using System.Collections.Immutable;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Tests.Support;
using static ServiceDelivery.Engine.Tests.Support.Scenario;

namespace ServiceDelivery.Engine.Tests.Execution;

/// <summary>Every action's form is checked: required, length, allowed values, unknown fields, attachments.</summary>
public sealed class FormValidationTests
{
    private static ImmutableArray<FieldError> ErrorsOf(string stage, Actor actor, string action, FormData form)
    {
        var delivery = Scenario.At(stage);
        var rejection = delivery.Reject(actor, action, form);
        rejection.Code.Should().Be(RejectionCode.ValidationFailed);
        delivery.State.Stage.Should().Be(stage);
        return rejection.Errors;
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_required_field_must_not_be_missing_or_blank(string blank)
    {
        ErrorsOf("requirement_pending", Buyer, "submit_requirement", FormData.Empty)
            .Should().Equal(new FieldError("description", FieldErrorCode.Required));
        ErrorsOf("requirement_pending", Buyer, "submit_requirement", FormData.Of(("description", blank)))
            .Should().Equal(new FieldError("description", FieldErrorCode.Required));
    }

    [Fact]
    public void Text_length_is_counted_in_characters_not_bytes()
    {
        var limit = new string('需', 5000);
        var emoji = string.Concat(Enumerable.Repeat("😀", 5000));

        Scenario.At("requirement_pending").Try(Buyer, "submit_requirement", FormData.Of(("description", limit))).Should().BeOfType<Decision>();
        Scenario.At("requirement_pending").Try(Buyer, "submit_requirement", FormData.Of(("description", emoji))).Should().BeOfType<Decision>();
        ErrorsOf("requirement_pending", Buyer, "submit_requirement", FormData.Of(("description", limit + "求")))
            .Should().Equal(new FieldError("description", FieldErrorCode.TooLong, 5000));
    }

    [Fact]
    public void A_refund_reason_must_be_one_of_the_fixed_list()
    {
        foreach (var code in new[] { "no_longer_needed", "provider_unresponsive", "requirement_not_supported", "purchased_by_mistake", "other" })
        {
            Scenario.At("requirement_pending").Try(Buyer, "request_refund", FormData.Of(("reasonCode", code), ("description", "说明")))
                .Should().BeOfType<Decision>(code);
        }

        ErrorsOf("requirement_pending", Buyer, "request_refund", FormData.Of(("reasonCode", "OTHER"), ("description", "说明")))
            .Should().Equal(new FieldError("reasonCode", FieldErrorCode.NotAllowedValue));
    }

    [Fact]
    public void Unknown_fields_are_refused_rather_than_silently_dropped()
    {
        ErrorsOf("requirement_pending", Buyer, "submit_requirement", FormData.Of(("description", "需求"), ("budget", "100")))
            .Should().Equal(new FieldError("budget", FieldErrorCode.UnknownField));
    }

    [Fact]
    public void Attachments_are_limited_per_form_and_must_not_repeat()
    {
        var eleven = Enumerable.Range(0, 11).Select(_ => Guid.NewGuid()).ToImmutableArray();
        var twice = Guid.NewGuid();
        var fields = new Dictionary<string, string> { ["description"] = "需求" };

        ErrorsOf("requirement_pending", Buyer, "submit_requirement", new FormData(fields, eleven))
            .Should().Equal(new FieldError("attachmentIds", FieldErrorCode.TooManyAttachments, 10));
        ErrorsOf("requirement_pending", Buyer, "submit_requirement", new FormData(fields, [twice, twice]))
            .Should().Equal(new FieldError("attachmentIds", FieldErrorCode.DuplicateAttachment));
        ErrorsOf("requirement_pending", Buyer, "request_refund",
                new FormData(new Dictionary<string, string> { ["reasonCode"] = "other", ["description"] = "说明" }, [Guid.NewGuid()]))
            .Should().Equal(new FieldError("attachmentIds", FieldErrorCode.TooManyAttachments, 0));
    }

    [Fact]
    public void Attachments_are_recorded_in_the_log_entry()
    {
        var delivery = Scenario.At("requirement_pending");
        var files = ImmutableArray.Create(Guid.NewGuid(), Guid.NewGuid());

        var decision = delivery.Do(Buyer, "submit_requirement", new FormData(new Dictionary<string, string> { ["description"] = "需求" }, files));

        decision.Log!.Attachments.Should().Equal(files);
    }
}

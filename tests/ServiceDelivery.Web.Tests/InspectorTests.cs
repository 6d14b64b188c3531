using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using ServiceDelivery.Web.Components.Studio;
using ServiceDelivery.Web.Studio;

namespace ServiceDelivery.Web.Tests;

/// <summary>The inspector rendered on its own: its fields show the element and a change becomes one edit.</summary>
public sealed class InspectorTests : BunitContext
{
    private static readonly string Shipped = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", "manual-service-delivery.json"));

    public InspectorTests()
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Editing_the_timer_of_the_selected_stage_hands_the_page_a_document_with_the_new_duration()
    {
        EditResult? edit = null;
        var inspector = Render<Inspector>(p => p
            .Add(i => i.Json, Shipped)
            .Add(i => i.Editable, true)
            .Add(i => i.Stage, "accepting")
            .Add(i => i.OnEdit, (EditResult r) => edit = r));

        inspector.Find("[data-testid=inspector-title]").TextContent.Should().Be("待验收");
        var after = inspector.Find("[data-timer=auto_accept] input");
        after.GetAttribute("value").Should().Be("P15D");
        inspector.Find("[data-timer=auto_accept] .inspector-hint").TextContent.Should().Contain("15 天");

        after.Change("P10D");

        edit!.Json.Should().Contain("\"after\": \"P10D\"");
    }

    [Fact]
    public void A_published_version_is_shown_read_only()
    {
        var inspector = Render<Inspector>(p => p
            .Add(i => i.Json, Shipped)
            .Add(i => i.Editable, false)
            .Add(i => i.Action, "accept"));

        inspector.Find("fieldset").HasAttribute("disabled").Should().BeTrue();
        inspector.FindAll("[data-testid=add-stage-form]").Should().BeEmpty();
        inspector.Find("[data-testid=action-to] option[selected]").GetAttribute("value").Should().Be("completed");
    }

    [Fact]
    public void Renaming_a_stage_to_something_that_is_not_a_key_is_refused_with_its_reason()
    {
        EditResult? edit = null;
        var inspector = Render<Inspector>(p => p
            .Add(i => i.Json, Shipped)
            .Add(i => i.Editable, true)
            .Add(i => i.Stage, "implementing")
            .Add(i => i.OnEdit, (EditResult r) => edit = r));

        inspector.Find("[data-testid=stage-key]").Change("Implementing Now");

        edit!.Applied.Should().BeFalse();
        edit.Refusal.Should().Be("edit.badKey");
    }

    [Fact]
    public void Deleting_a_stage_asks_first_listing_what_goes_with_it()
    {
        EditResult? edit = null;
        var inspector = Render<Inspector>(p => p
            .Add(i => i.Json, Shipped)
            .Add(i => i.Editable, true)
            .Add(i => i.Stage, "completed")
            .Add(i => i.OnEdit, (EditResult r) => edit = r));

        inspector.Find("[data-testid=delete-stage]").Click();

        edit.Should().BeNull("nothing is deleted before the designer confirms");
        inspector.FindAll("[data-testid=delete-also]").Select(e => e.TextContent).Should().Contain(t => t.Contains("accept", StringComparison.Ordinal));
        inspector.Find("[data-testid=delete-stage-confirm]").Click();
        edit!.Json.Should().NotContain("\"key\": \"completed\"");
    }

    [Fact]
    public void With_nothing_selected_the_process_its_forms_and_effects_are_edited()
    {
        EditResult? edit = null;
        var inspector = Render<Inspector>(p => p
            .Add(i => i.Json, Shipped)
            .Add(i => i.Editable, true)
            .Add(i => i.OnEdit, (EditResult r) => edit = r));

        inspector.FindAll("[data-testid=form]").Should().HaveCount(11);
        inspector.Find("[data-testid=initial-stage] option[selected]").GetAttribute("value").Should().Be("requirement_pending");

        inspector.Find("[data-testid=initial-stage]").Change("requirement_confirming");

        edit!.Json.Should().Contain("\"initialStage\": \"requirement_confirming\"");
    }
}

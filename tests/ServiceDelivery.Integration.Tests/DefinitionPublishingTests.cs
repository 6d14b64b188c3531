using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Testing;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>Draft → validate → publish → versions; deliveries stay on the version they started with.</summary>
public sealed class DefinitionPublishingTests : IAsyncLifetime
{
    private static readonly Caller Designer = Caller.Of("d-1", "设计师", Caller.Designer);
    private AppHarness _app = null!;

    public async Task InitializeAsync() => _app = await AppHarness.CreateAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<T> Definitions<T>(Func<DefinitionCommands, Task<T>> work) => _app.InScope(sp => work(sp.GetRequiredService<DefinitionCommands>()));

    private Task<T> Read<T>(Func<DefinitionQueries, Task<T>> work) => _app.InScope(sp => work(sp.GetRequiredService<DefinitionQueries>()));

    private static string Shipped() => File.ReadAllText(Path.Combine(TestDatabase.WorkflowsFolder, "manual-service-delivery.json"));

    [Fact]
    public async Task An_invalid_draft_is_kept_but_not_published_and_a_fixed_one_becomes_the_next_version()
    {
        var document = JsonNode.Parse(Shipped())!.AsObject();
        document["stages"]![4]!["timers"]![0]!["after"] = "P20D";
        document["initialStage"] = "nowhere";

        var saved = (await Definitions(d => d.SaveDraftAsync(Designer, "manual-service-delivery", document.ToJsonString(), null, CancellationToken.None))).Unwrap();
        var refused = await Definitions(d => d.PublishAsync(Designer, "manual-service-delivery", null, null, CancellationToken.None));
        document["initialStage"] = "requirement_pending";
        await Definitions(d => d.SaveDraftAsync(Designer, "manual-service-delivery", document.ToJsonString(), null, CancellationToken.None));
        var published = (await Definitions(d => d.PublishAsync(Designer, "manual-service-delivery", null, null, CancellationToken.None))).Unwrap();

        saved.Validation.Valid.Should().BeFalse();
        saved.Validation.Errors.Should().ContainSingle(e => e.Path == "$.initialStage");
        refused.Failure!.Code.Should().Be("validation_failed");
        refused.Failure.Errors.Should().ContainSingle(e => e.Field == "$.initialStage");
        published.Version.Should().Be(2);
        var detail = (await Read(d => d.GetAsync("manual-service-delivery", CancellationToken.None))).Unwrap();
        detail.Published!.Version.Should().Be(2);
        detail.Draft.Should().BeNull("publishing consumes the draft");
        (await Read(d => d.GetVersionAsync("manual-service-delivery", 1, CancellationToken.None))).Unwrap().Json.Should().Be(Shipped(), "a published version is kept exactly as published");
    }

    [Fact]
    public async Task Running_deliveries_stay_on_their_version_and_new_ones_take_the_newest()
    {
        var onV1 = await _app.AtAsync("implementing");
        var document = JsonNode.Parse(Shipped())!.AsObject();
        document["stages"]![4]!["timers"]![0]!["after"] = "P20D";
        await Definitions(d => d.SaveDraftAsync(Designer, "manual-service-delivery", document.ToJsonString(), null, CancellationToken.None));
        await Definitions(d => d.PublishAsync(Designer, "manual-service-delivery", null, null, CancellationToken.None));

        var onV2 = await _app.AtAsync("accepting");
        var v1Accepting = await _app.ActAsync(Provider, onV1.Id, "submit_for_acceptance");

        onV2.Definition.Version.Should().Be(2);
        onV2.AutoAcceptAt.Should().Be(_app.Clock.Now() + TimeSpan.FromDays(20));
        v1Accepting.Definition.Version.Should().Be(1);
        v1Accepting.AutoAcceptAt.Should().Be(_app.Clock.Now() + TimeSpan.FromDays(15));
    }

    [Fact]
    public async Task Only_designers_edit_and_publish_and_the_document_key_must_match()
    {
        (await Definitions(d => d.SaveDraftAsync(Platform, "manual-service-delivery", Shipped(), null, CancellationToken.None))).Failure!.Code.Should().Be("forbidden_action");
        (await Definitions(d => d.PublishAsync(Buyer, "manual-service-delivery", null, null, CancellationToken.None))).Failure!.Code.Should().Be("forbidden_action");
        (await Definitions(d => d.PublishAsync(Designer, "no-draft-here", null, null, CancellationToken.None))).Failure!.Code.Should().Be("not_found");

        var mismatch = (await Definitions(d => d.SaveDraftAsync(Designer, "other-process", Shipped(), null, CancellationToken.None))).Unwrap();
        mismatch.Validation.Errors.Should().ContainSingle(e => e.Code == "key_mismatch" && e.Path == "$.key");
        (await Definitions(d => d.PublishAsync(Designer, "other-process", null, null, CancellationToken.None))).Failure!.Code.Should().Be("validation_failed");
    }

    [Fact]
    public async Task The_list_shows_every_key_with_its_latest_version_and_draft()
    {
        await Definitions(d => d.SaveDraftAsync(Designer, "new-process", "{ \"key\": \"new-process\" }", null, CancellationToken.None));

        var list = await Read(d => d.ListAsync(CancellationToken.None));

        list.Should().ContainSingle(s => s.Key == "manual-service-delivery" && s.LatestVersion == 1 && !s.HasDraft);
        list.Should().ContainSingle(s => s.Key == "new-process" && s.LatestVersion == null && s.HasDraft);
    }
}

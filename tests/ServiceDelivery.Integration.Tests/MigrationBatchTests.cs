using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Simulation;
using ServiceDelivery.Testing;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>Migrating a version's running deliveries as a batch, and saved scenarios guarding publishing.</summary>
public sealed class MigrationBatchTests : IAsyncLifetime
{
    private const string Key = "manual-service-delivery";
    private static readonly Caller Designer = Caller.Of("d-1", "设计师", Caller.Designer);
    private readonly CountingKick _kick = new();
    private AppHarness _app = null!;

    public async Task InitializeAsync() => _app = await AppHarness.CreateAsync(services => services.AddSingleton<IMigrationBatchKick>(_kick));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<T> Batches<T>(Func<MigrationBatches, Task<T>> work) => _app.InScope(sp => work(sp.GetRequiredService<MigrationBatches>()));

    private Task<T> Definitions<T>(Func<DefinitionCommands, Task<T>> work) => _app.InScope(sp => work(sp.GetRequiredService<DefinitionCommands>()));

    private Task<T> Read<T>(Func<DefinitionQueries, Task<T>> work) => _app.InScope(sp => work(sp.GetRequiredService<DefinitionQueries>()));

    private static JsonObject Shipped() => JsonNode.Parse(File.ReadAllText(Path.Combine(TestDatabase.WorkflowsFolder, "manual-service-delivery.json")))!.AsObject();

    private async Task PublishAsync(JsonObject document)
    {
        (await Definitions(d => d.SaveDraftAsync(Designer, Key, document.ToJsonString(), null, CancellationToken.None))).Unwrap();
        (await Definitions(d => d.PublishAsync(Designer, Key, null, "v2", CancellationToken.None))).Unwrap();
    }

    // v2 drops 需求已驳回 (a rejection now goes straight back to 需求待提交).
    private static JsonObject WithoutRejectedStage()
    {
        var document = Shipped();
        var stages = document["stages"]!.AsArray();
        stages.Remove(stages.Single(s => (string?)s!["key"] == "requirement_rejected"));
        document["actions"]!.AsArray().Single(a => (string?)a!["key"] == "reject_requirement")!["to"] = "requirement_pending";
        return document;
    }

    [Fact]
    public async Task A_previewed_batch_moves_every_running_delivery_with_dropped_stages_mapped_and_logs_each()
    {
        var implementing = new[] { await _app.AtAsync("implementing"), await _app.AtAsync("implementing") };
        var rejected = await _app.AtAsync("requirement_rejected");
        var done = await _app.AtAsync("completed");
        await PublishAsync(WithoutRejectedStage());

        var preview = (await Batches(b => b.PreviewAsync(Platform, Key, 1, CancellationToken.None))).Unwrap();
        preview.ToVersion.Should().Be(2);
        preview.Stages.Single(s => s.Stage == "implementing").Should().Match<MigrationStageCount>(s => s.Count == 2 && s.InTarget);
        preview.Stages.Single(s => s.Stage == "requirement_rejected").Should().Match<MigrationStageCount>(s => s.Count == 1 && !s.InTarget);
        preview.Total.Should().Be(3, "a completed delivery is not moved");

        var unmapped = await Batches(b => b.StartAsync(Platform, Key, 1, new Dictionary<string, string>(), "合并驳回阶段", Key, CancellationToken.None));
        unmapped.Failure!.Errors.Should().Contain(e => e.Field == "mapping.requirement_rejected" && e.Code == "required");
        var unconfirmed = await Batches(b => b.StartAsync(Platform, Key, 1, new Dictionary<string, string> { ["requirement_rejected"] = "requirement_pending" }, null, "yes", CancellationToken.None));
        unconfirmed.Failure!.Errors.Should().Contain(e => e.Field == "confirmation");
        (await Batches(b => b.StartAsync(Designer, Key, 1, new Dictionary<string, string>(), null, Key, CancellationToken.None))).Failure!.Code.Should().Be(Failure.ForbiddenActionCode, "moving running deliveries is the operators' call");
        _kick.Count.Should().Be(0, "nothing started");

        var batch = (await Batches(b => b.StartAsync(Platform, Key, 1, new Dictionary<string, string> { ["requirement_rejected"] = "requirement_pending" }, "合并驳回阶段", Key, CancellationToken.None))).Unwrap();
        _kick.Count.Should().Be(1);
        await _app.InScope(async sp => { await sp.GetRequiredService<MigrationBatches>().RunPendingAsync(CancellationToken.None); return 0; });

        var finished = (await Batches(b => b.GetAsync(batch.Id, CancellationToken.None)))!;
        finished.Should().Match<MigrationBatchView>(b => b.Finished && b.Migrated == 3 && b.Failed == 0 && b.Total == 3);
        await using var db = _app.Db();
        var versions = await db.Deliveries.AsNoTracking().ToDictionaryAsync(d => d.Id, d => (d.DefinitionVersion, d.Stage));
        versions[implementing[0].Id].Should().Be((2, "implementing"));
        versions[rejected.Id].Should().Be((2, "requirement_pending"), "the dropped stage maps to the chosen one");
        versions[done.Id].DefinitionVersion.Should().Be(1);
        var logs = await db.ProcessLog.AsNoTracking().Where(l => l.Action == "admin_migrate").ToListAsync();
        logs.Should().HaveCount(3).And.OnlyContain(l => l.ActorId == Platform.Id && l.Data["toVersion"] == "2" && l.Data["reason"] == "合并驳回阶段");
        logs.Single(l => l.DeliveryId == rejected.Id).Data["mappedFrom"].Should().Be("requirement_rejected");
        (await db.Tasks.AsNoTracking().Where(t => t.DeliveryId == rejected.Id && t.ClosedAt == null).Select(t => t.Stage).ToListAsync()).Should().Equal("requirement_pending");
    }

    [Fact]
    public async Task A_batch_resumes_after_its_cursor_and_finishes_when_nothing_is_left()
    {
        for (var i = 0; i < MigrationBatches.ChunkSize + 3; i++)
        {
            await _app.StartAsync($"ORD-BATCH-{i}");
        }

        var document = Shipped();
        document["name"]!["zh-CN"] = "人工服务交付流程 v2";
        await PublishAsync(document);
        var batch = (await Batches(b => b.StartAsync(Platform, Key, 1, new Dictionary<string, string>(), null, Key, CancellationToken.None))).Unwrap();

        await _app.InScope(async sp => { await sp.GetRequiredService<MigrationBatches>().RunPendingAsync(CancellationToken.None); return 0; });
        await _app.InScope(async sp => { await sp.GetRequiredService<MigrationBatches>().RunPendingAsync(CancellationToken.None); return 0; });

        (await Batches(b => b.GetAsync(batch.Id, CancellationToken.None)))!.Should().Match<MigrationBatchView>(b => b.Finished && b.Migrated == MigrationBatches.ChunkSize + 3);
        await using var db = _app.Db();
        (await db.ProcessLog.CountAsync(l => l.Action == "admin_migrate")).Should().Be(MigrationBatches.ChunkSize + 3, "a second run moves nothing twice");
    }

    [Fact]
    public async Task A_host_dying_mid_chunk_loses_no_migrated_count()
    {
        var deliveries = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            deliveries.Add((await _app.StartAsync($"ORD-CRASH-{i}")).Id);
        }

        var document = Shipped();
        document["name"]!["zh-CN"] = "人工服务交付流程 v2";
        await PublishAsync(document);
        var batch = (await Batches(b => b.StartAsync(Platform, Key, 1, new Dictionary<string, string>(), null, Key, CancellationToken.None))).Unwrap();

        // A host ran the chunk as far as two deliveries and died before it saved the chunk's progress.
        foreach (var id in deliveries.Order().Take(2))
        {
            (await _app.InScope(sp => sp.GetRequiredService<DeliveryCommands>().MigrateAsync(Platform, id, 2, null, null, CancellationToken.None, countIn: batch.Id))).Unwrap();
        }

        await _app.InScope(async sp => { await sp.GetRequiredService<MigrationBatches>().RunPendingAsync(CancellationToken.None); return 0; });

        (await Batches(b => b.GetAsync(batch.Id, CancellationToken.None)))!.Should().Match<MigrationBatchView>(
            b => b.Finished && b.Migrated == 3 && b.Total == 3 && b.Failed == 0, "the page's progress equals the rows moved");
    }

    [Fact]
    public async Task Publishing_replays_every_saved_scenario_and_refuses_a_version_where_one_ends_elsewhere()
    {
        IReadOnlyList<ScenarioStep> steps =
        [
            new(ScenarioMove.Act, ActorRole.Buyer, "submit_requirement", new Dictionary<string, string> { ["description"] = "迁移 3 个库" }),
            new(ScenarioMove.Act, ActorRole.Provider, "confirm_requirement"),
            new(ScenarioMove.Act, ActorRole.Provider, "submit_for_acceptance", new Dictionary<string, string> { ["details"] = "已完成" }),
            new(ScenarioMove.Advance, By: TimeSpan.FromDays(15)),
        ];
        (await Definitions(d => d.SaveScenarioAsync(Designer, Key, "15 天自动验收", steps, "completed", CancellationToken.None))).Unwrap();
        (await Definitions(d => d.SaveScenarioAsync(Caller.Of("u-1", "买家", Caller.Buyer), Key, "x", steps, "completed", CancellationToken.None))).Failure!.Code.Should().Be(Failure.ForbiddenActionCode);

        var longer = Shipped();
        longer["stages"]![4]!["timers"]![0]!["after"] = "P20D";
        (await Definitions(d => d.SaveDraftAsync(Designer, Key, longer.ToJsonString(), null, CancellationToken.None))).Unwrap();
        var refused = await Definitions(d => d.PublishAsync(Designer, Key, null, null, CancellationToken.None));
        refused.Failure!.Errors.Should().ContainSingle(e => e.Field == "scenarios.15 天自动验收" && e.Code == "scenario_failed");

        longer["stages"]![4]!["timers"]![0]!["after"] = "P14D";
        (await Definitions(d => d.SaveDraftAsync(Designer, Key, longer.ToJsonString(), null, CancellationToken.None))).Unwrap();
        (await Definitions(d => d.PublishAsync(Designer, Key, null, null, CancellationToken.None))).Unwrap().Version.Should().Be(2);
        (await Read(d => d.ScenariosAsync(Key, CancellationToken.None))).Should().ContainSingle().Which.StepCount.Should().Be(4);
    }

    private sealed class CountingKick : IMigrationBatchKick
    {
        private int _count;

        public int Count => _count;

        public void Kick() => Interlocked.Increment(ref _count);
    }
}

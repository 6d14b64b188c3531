using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Evidence;
using ServiceDelivery.Application.Maintenance;
using ServiceDelivery.Evidence;
using ServiceDelivery.Persistence.Entities;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>
/// The chain as the write path keeps it: through a migration to another definition version, retention, concurrent
/// writers, and for logs written before the chain existed (chained by the sweep, or by the next write).
/// </summary>
public sealed class LogChainTests : IAsyncLifetime
{
    private AppHarness _app = null!;

    public async Task InitializeAsync() => _app = await AppHarness.CreateAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<LogVerification?> VerifyAsync(Guid id) =>
        (await _app.Services.GetRequiredService<LogVerifier>().VerifyAsync(Platform, id, CancellationToken.None)).Value;

    private async Task AnchorAsync()
    {
        _app.Clock.Advance(TimeSpan.FromMinutes(2));
        await _app.Services.GetRequiredService<LogAnchoring>().AnchorAsync(_app.Clock.GetUtcNow() - TimeSpan.FromMinutes(1), "test", CancellationToken.None);
    }

    [Fact]
    public async Task Every_step_links_to_the_one_before_and_the_delivery_keeps_the_head()
    {
        var delivery = await _app.AtAsync("accepting");
        await using var db = _app.Db();
        var entries = await db.ProcessLog.AsNoTracking().Where(l => l.DeliveryId == delivery.Id).OrderBy(l => l.Seq).ToListAsync();
        var record = await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == delivery.Id);

        entries.Should().HaveCount(record.LastLogSeq).And.OnlyContain(e => e.Hash!.Length == 32 && e.InternalSalt!.Length == 16);
        var head = LogChain.Genesis.ToArray();
        foreach (var entry in entries)
        {
            // Rebuilt here from the columns, as docs/evidence.md describes: the write path must have hashed exactly these.
            var chained = new ChainEntry(entry.DeliveryId, entry.Seq, entry.At, entry.ActorId, entry.ActorName, entry.ActorRole, entry.Action, entry.FromStage,
                entry.ToStage, entry.Timer, entry.Data, ChainEntry.HashInternal(entry.InternalSalt, entry.InternalData), []);
            head = LogChain.Link(head, chained);
            entry.Hash.Should().Equal(head, "entry {0} links to the one before", entry.Seq);
        }

        record.LogHead.Should().Equal(head);
        (await VerifyAsync(delivery.Id))!.Valid.Should().BeTrue();
    }

    [Fact]
    public async Task An_untouched_delivery_verifies_after_a_migration_to_another_version_and_after_retention()
    {
        var delivery = await _app.AtAsync("implementing");
        await AnchorAsync();
        await using (var db = _app.Db())
        {
            var shipped = await db.DefinitionVersions.AsNoTracking().SingleAsync(d => d.Key == "manual-service-delivery" && d.Version == 1);
            db.DefinitionVersions.Add(new DefinitionVersionRecord { Key = shipped.Key, Version = 2, Json = shipped.Json, PublishedAt = T0, PublishedBy = "test" });
            await db.SaveChangesAsync();
        }

        (await _app.InScope(sp => sp.GetRequiredService<DeliveryCommands>().MigrateAsync(Platform, delivery.Id, 2, "新版本", null, CancellationToken.None))).Unwrap();
        _app.Clock.Advance(TimeSpan.FromDays(60));
        await _app.Services.GetRequiredService<RetentionSweep>().RunAsync(CancellationToken.None);
        await AnchorAsync();

        var result = await VerifyAsync(delivery.Id);
        result.Should().BeEquivalentTo(new { Valid = true, Entries = 4, AnchoredThrough = 4 }, "the migration is one more chained step; retention touches no evidence");
    }

    [Fact]
    public async Task Concurrent_writers_on_one_delivery_leave_one_unbroken_chain()
    {
        var delivery = await _app.AtAsync("implementing");
        var notes = Enumerable.Range(0, 20).Select(i => Task.Run(() => _app.TryActAsync(Provider, delivery.Id, "post_progress", new Dictionary<string, string> { ["note"] = $"进展 {i}" })));
        (await Task.WhenAll(notes)).Should().OnlyContain(r => r.IsSuccess);

        (await VerifyAsync(delivery.Id)).Should().BeEquivalentTo(new { Valid = true, Entries = 23 });
    }

    [Fact]
    public async Task A_log_written_before_the_chain_existed_is_chained_by_the_sweep_or_by_its_next_step()
    {
        var swept = await _app.AtAsync("implementing");
        var written = await _app.AtAsync("implementing");
        await using (var db = _app.Db())
        {
            // As the LogHashChain migration leaves rows it finds: no salt, no hash, no head.
            await db.Database.ExecuteSqlRawAsync("UPDATE process_log SET hash = NULL, internal_salt = NULL");
            await db.Database.ExecuteSqlRawAsync("UPDATE deliveries SET log_head = NULL");
        }

        (await VerifyAsync(swept.Id))!.Valid.Should().BeFalse("nothing vouches for unchained rows");

        // The next step of one delivery chains its old entries first, in its own transaction.
        await _app.ActAsync(Provider, written.Id, "post_progress", new Dictionary<string, string> { ["note"] = "升级后的第一步" });
        (await VerifyAsync(written.Id)).Should().BeEquivalentTo(new { Valid = true, Entries = 4 });

        var report = await _app.Services.GetRequiredService<LogIntegritySweep>().RunAsync(CancellationToken.None);
        report.Chained.Should().Be(1, "the sweep chains the one still unchained");
        (await VerifyAsync(swept.Id)).Should().BeEquivalentTo(new { Valid = true, Entries = 3 });
        report.Failed.Should().Be(0);
    }

    [Fact]
    public async Task A_sweep_run_verifies_at_most_its_share_and_the_next_run_goes_on_from_there()
    {
        await using var app = await AppHarness.CreateAsync(services =>
            services.AddSingleton(new EvidenceOptions { SigningKey = TestAnchorKey, SweepMaxDeliveries = 2 }));
        var deliveries = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            deliveries.Add((await app.StartAsync()).Id);
            app.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        var sweep = app.Services.GetRequiredService<LogIntegritySweep>();
        var runs = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            runs.Add((await sweep.RunAsync(CancellationToken.None)).Checked);
        }

        runs.Should().Equal([2, 2, 1, 0], "two per run, oldest first, none twice, then nothing new");
    }
}

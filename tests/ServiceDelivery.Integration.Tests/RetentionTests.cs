using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Attachments;
using ServiceDelivery.Application.Maintenance;
using ServiceDelivery.Infrastructure.Storage;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>Bookkeeping rows are purged after their configured age, in batches; what the process needs is never touched.</summary>
public sealed class RetentionTests : IAsyncLifetime
{
    private readonly string _attachments = Directory.CreateTempSubdirectory("sd-retention-").FullName;
    private AppHarness _app = null!;

    public async Task InitializeAsync() => _app = await AppHarness.CreateAsync(services =>
    {
        services.AddSingleton(new RetentionOptions
        {
            IdempotencyKeys = TimeSpan.FromDays(30),
            SentNotifications = TimeSpan.FromDays(30),
            EndedTimers = TimeSpan.FromDays(30),
            StagedUploads = TimeSpan.FromHours(1),
            BatchSize = 3, // several batches even for a handful of rows
        });
        services.AddSingleton<IAttachmentStorage>(new FileAttachmentStorage(_attachments));
    });

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_attachments, recursive: true);
    }

    [Fact]
    public async Task Old_keys_sent_mails_ended_timers_and_stale_uploads_go_in_batches_and_everything_live_stays()
    {
        // Old: deliveries whose acceptance fired (ended timers), actions with keys, sent mails.
        var old = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _app.AtAsync("implementing")));
        foreach (var delivery in old)
        {
            (await _app.TryActAsync(Provider, delivery.Id, "post_progress", new Dictionary<string, string> { ["note"] = "进展" }, idempotencyKey: $"old-{delivery.Id}")).IsSuccess.Should().BeTrue();
            await _app.ActAsync(Provider, delivery.Id, "submit_for_acceptance");
        }

        await _app.AdvanceAsync(TimeSpan.FromDays(16));
        await using (var db = _app.Db())
        {
            await db.Outbox.ExecuteUpdateAsync(o => o.SetProperty(x => x.Status, "sent"));
            await db.Outbox.Where(o => o.DeliveryId == old[0].Id).Take(1).ExecuteUpdateAsync(o => o.SetProperty(x => x.Status, "failed"));
        }

        var staleUpload = Path.Combine(_attachments, "tmp", "left-by-a-dead-host");
        await File.WriteAllTextAsync(staleUpload, "half a file");
        File.SetLastWriteTimeUtc(staleUpload, DateTime.UtcNow.AddDays(-2));
        var freshUpload = Path.Combine(_attachments, "tmp", "being-received-now");
        await File.WriteAllTextAsync(freshUpload, "in progress");

        // Forty days later: new, live work.
        _app.Clock.Advance(TimeSpan.FromDays(40));
        var live = await _app.AtAsync("implementing");
        var progressed = (await _app.TryActAsync(Provider, live.Id, "post_progress", new Dictionary<string, string> { ["note"] = "新进展" }, idempotencyKey: "live-key")).Value!;
        await _app.ActAsync(Provider, live.Id, "submit_for_acceptance");
        await using (var db = _app.Db())
        {
            await db.Outbox.Where(o => o.DeliveryId == live.Id).ExecuteUpdateAsync(o => o.SetProperty(x => x.Status, "sent"));
        }

        var before = await CountsAsync();
        before.OldKeys.Should().BeGreaterThan(3, "more rows than one batch");
        var report = await _app.Services.GetRequiredService<RetentionSweep>().RunAsync(CancellationToken.None);
        var after = await CountsAsync();

        report.Should().Be(new RetentionReport(before.OldKeys, before.OldSent, before.OldEndedTimers, 1));
        (after.OldKeys, after.OldSent, after.OldEndedTimers).Should().Be((0, 0, 0));
        after.LiveKeys.Should().Be(before.LiveKeys, "a key younger than 30 days still replays");
        after.Failed.Should().Be(1, "a failed mail stays for the platform to handle");
        after.RunningTimers.Should().Be(before.RunningTimers).And.BeGreaterThan(0);
        after.Log.Should().Be(before.Log, "the process log is never purged");
        File.Exists(staleUpload).Should().BeFalse();
        File.Exists(freshUpload).Should().BeTrue();
        (await _app.TryActAsync(Provider, live.Id, "post_progress", new Dictionary<string, string> { ["note"] = "新进展" }, idempotencyKey: "live-key")).Value!.Version
            .Should().Be(progressed.Version, "the kept key still answers its first effect");
    }

    private async Task<(int OldKeys, int LiveKeys, int OldSent, int Failed, int OldEndedTimers, int RunningTimers, int Log)> CountsAsync()
    {
        var cutoff = _app.Clock.GetUtcNow() - TimeSpan.FromDays(30);
        await using var db = _app.Db();
        return (
            await db.IdempotencyKeys.CountAsync(k => k.CreatedAt < cutoff),
            await db.IdempotencyKeys.CountAsync(k => k.CreatedAt >= cutoff),
            await db.Outbox.CountAsync(o => o.Status == "sent" && o.CreatedAt < cutoff),
            await db.Outbox.CountAsync(o => o.Status == "failed"),
            await db.Timers.CountAsync(t => t.EndedAt < cutoff),
            await db.Timers.CountAsync(t => t.State == "running"),
            await db.ProcessLog.CountAsync());
    }
}

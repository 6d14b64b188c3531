using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Persistence.Entities;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>Durable timers: the table is the truth, competing firers fire each timer once.</summary>
public sealed class TimerTests : IAsyncLifetime
{
    // A process whose only stage starts a one-day timer: 1,000 deliveries give 1,000 due timers quickly.
    private const string DrillDefinition = """
        {
          "key": "timer-drill",
          "version": 1,
          "name": { "zh-CN": "定时器演练", "en": "Timer drill" },
          "initialStage": "waiting",
          "stages": [
            { "key": "waiting", "name": { "zh-CN": "等待" }, "status": "active", "actions": ["expire"],
              "timers": [ { "key": "expiry", "after": "P1D", "perform": "expire" } ] },
            { "key": "expired", "name": { "zh-CN": "已过期" }, "status": "closed" }
          ],
          "actions": [ { "key": "expire", "name": { "zh-CN": "过期" }, "roles": ["platform"], "to": "expired" } ],
          "forms": []
        }
        """;

    private AppHarness _app = null!;

    public async Task InitializeAsync()
    {
        _app = await AppHarness.CreateAsync();
        await using var db = _app.Db();
        db.DefinitionVersions.Add(new DefinitionVersionRecord { Key = "timer-drill", Version = 1, Json = DrillDefinition, PublishedAt = T0, PublishedBy = "test" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_thousand_timers_due_at_once_fire_exactly_once_under_two_competing_firers()
    {
        const int Count = 1000;
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
            ids.Add((await _app.StartAsync($"DRILL-{i:D4}", "timer-drill")).Id));
        _app.Clock.Advance(TimeSpan.FromDays(1));
        var firer = _app.Services.GetRequiredService<TimerFirer>();

        var fired = await Task.WhenAll(
            Task.Run(() => firer.FireDueAsync(int.MaxValue, CancellationToken.None)),
            Task.Run(() => firer.FireDueAsync(int.MaxValue, CancellationToken.None)));

        fired.Sum().Should().Be(Count);
        await using var db = _app.Db();
        (await db.Timers.CountAsync(t => t.State == TimerRecord.States.Fired)).Should().Be(Count);
        (await db.Timers.CountAsync(t => t.State != TimerRecord.States.Fired)).Should().Be(0);
        var perDelivery = await db.ProcessLog.Where(l => l.Action == "expire").GroupBy(l => l.DeliveryId).Select(g => g.Count()).ToListAsync();
        perDelivery.Should().HaveCount(Count).And.OnlyContain(n => n == 1);
        (await db.Deliveries.CountAsync(d => d.Stage == "expired" && d.Status == "closed")).Should().Be(Count);
        (await firer.FireDueAsync(int.MaxValue, CancellationToken.None)).Should().Be(0, "nothing is left to fire twice");
    }

    [Fact]
    public async Task A_broken_timer_is_set_aside_and_the_others_still_fire()
    {
        var broken = await _app.StartAsync(definitionKey: "timer-drill");
        var healthy = await _app.StartAsync(definitionKey: "timer-drill");
        await using (var db = _app.Db())
        {
            // A delivery pointing at a definition version nobody has: loading it throws.
            await db.Deliveries.Where(d => d.Id == broken.Id).ExecuteUpdateAsync(s => s.SetProperty(d => d.DefinitionVersion, 99));
        }

        (await _app.AdvanceAsync(TimeSpan.FromDays(1))).Should().Be(1);

        await using var check = _app.Db();
        (await check.Deliveries.SingleAsync(d => d.Id == healthy.Id)).Stage.Should().Be("expired");
        var aside = await check.Timers.SingleAsync(t => t.DeliveryId == broken.Id);
        aside.State.Should().Be("running");
        aside.DueAt.Should().Be(_app.Clock.Now() + TimerFirer.RetryAfterRefusal);
        (await check.Deliveries.SingleAsync(d => d.Id == broken.Id)).Version.Should().Be(broken.Version + 1, "setting a timer aside is a write to its delivery, made by the writer under the delivery's lock");
    }

    [Fact]
    public async Task A_due_timer_the_engine_no_longer_knows_is_cancelled_not_retried()
    {
        var delivery = await _app.StartAsync(definitionKey: "timer-drill");
        await using (var db = _app.Db())
        {
            await db.Timers.Where(t => t.DeliveryId == delivery.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.Key, "removed_by_a_new_version"));
        }

        await _app.AdvanceAsync(TimeSpan.FromDays(1));

        await using var check = _app.Db();
        (await check.Timers.SingleAsync(t => t.DeliveryId == delivery.Id)).State.Should().Be("cancelled");
        (await check.Deliveries.SingleAsync(d => d.Id == delivery.Id)).Stage.Should().Be("waiting");
    }

    [Fact]
    public async Task A_timer_that_is_not_due_does_not_fire_and_fires_once_it_is()
    {
        var delivery = await _app.StartAsync(definitionKey: "timer-drill");

        (await _app.AdvanceAsync(TimeSpan.FromDays(1) - TimeSpan.FromMicroseconds(1))).Should().Be(0);
        (await _app.AdvanceAsync(TimeSpan.FromMicroseconds(1))).Should().Be(1);

        (await _app.GetAsync(Platform, delivery.Id)).Value!.Stage.Should().Be("expired");
    }

    [Fact]
    public async Task Timers_racing_with_peoples_actions_never_deadlock_or_act_twice()
    {
        var deliveries = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _app.AtAsync("accepting")));
        _app.Clock.Advance(TimeSpan.FromDays(15));
        var firer = _app.Services.GetRequiredService<TimerFirer>();

        var people = deliveries.Select(d => Task.Run(() => _app.TryActAsync(Buyer, d.Id, "accept"))).ToList();
        var firers = Enumerable.Range(0, 2).Select(_ => Task.Run(() => firer.FireDueAsync(int.MaxValue, CancellationToken.None))).ToList();
        var answers = await Task.WhenAll(people);
        await Task.WhenAll(firers);
        await firer.FireDueAsync(int.MaxValue, CancellationToken.None);

        answers.Where(a => !a.IsSuccess).Select(a => a.Failure!.Code).Should().BeSubsetOf(["invalid_transition", "version_conflict"], "the buyer either wins or is told the timer did");
        await using var db = _app.Db();
        var ids = deliveries.Select(d => d.Id).ToList();
        (await db.ProcessLog.Where(l => ids.Contains(l.DeliveryId) && l.Action == "accept").GroupBy(l => l.DeliveryId).Select(g => g.Count()).ToListAsync())
            .Should().HaveCount(10).And.OnlyContain(n => n == 1, "either the buyer or the timer accepted, never both");
        (await db.Deliveries.CountAsync(d => ids.Contains(d.Id) && d.Stage == "completed")).Should().Be(10);
        (await db.Timers.CountAsync(t => ids.Contains(t.DeliveryId) && (t.State == "running" || t.State == "frozen"))).Should().Be(0);
    }
}

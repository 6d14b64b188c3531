using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Fault.Tests;

/// <summary>
/// Scenario 2 of the fault suite: many deliveries whose auto-acceptance falls due at the same moment, two host
/// processes firing, one of them killed (SIGKILL) in the middle and started again. Each timer fires exactly once
/// (one acceptance per delivery, by the clock), all within 60 s of when they fell due.
/// </summary>
public sealed class TimersAtScaleTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private SharedHost _first = null!;
    private SharedHost _second = null!;

    public async Task InitializeAsync()
    {
        var database = await TestDatabase.CreateAsync("timers");
        _first = new SharedHost(database);
        _second = new SharedHost(database);
        await Task.WhenAll(_first.InitializeAsync(), _second.InitializeAsync());
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task Timers_falling_due_together_fire_once_each_within_a_minute_while_one_host_is_killed_and_restarted()
    {
        var count = FaultScale.Full ? 100_000 : 3_000;
        var started = Stopwatch.StartNew();
        await using var db = TestDatabase.Context(_first.ConnectionString);
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
        // Due a few seconds from now, all at once.
        var due = DateTimeOffset.UtcNow.AddSeconds(FaultScale.Full ? 40 : 10);
        await AcceptingDeliveries.InsertAsync(db, count, due);
        await db.Database.ExecuteSqlRawAsync("ANALYZE");

        // Both hosts fire; once a tenth has fired one of them dies and comes back: the kill lands in the middle of the
        // burst at any size (a fixed delay after the due time could find a small burst already over).
        var wait = due - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        int runningAtKill;
        while ((runningAtKill = await db.Timers.AsNoTracking().CountAsync(t => t.State == "running" && t.Key == "auto_accept")) > count * 9 / 10
               && DateTimeOffset.UtcNow < due.AddSeconds(30))
        {
            await Task.Delay(50);
        }

        _first.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        await _first.RestartAsync();
        var restartedAt = DateTimeOffset.UtcNow;

        // Waited for well past the minute, so that a slow run still shows whether each timer fired once.
        var deadline = due.AddMinutes(5);
        // Polled on the running timers' own index, every two seconds: the watching costs the hosts next to nothing.
        int running;
        while ((running = await db.Timers.AsNoTracking().CountAsync(t => t.State == "running" && t.Key == "auto_accept")) > 0)
        {
            DateTimeOffset.UtcNow.Should().BeBefore(deadline, $"every timer fires ({count - running} of {count} so far)");
            await Task.Delay(2000);
        }

        (await db.Deliveries.AsNoTracking().CountAsync(d => d.Status == "completed")).Should().Be(count, "every delivery was accepted");

        var accepts = await db.ProcessLog.AsNoTracking()
            .Where(l => l.Action == "accept" && l.Timer == "auto_accept")
            .GroupBy(l => l.DeliveryId).Select(g => g.Count()).ToListAsync();
        accepts.Should().HaveCount(count, "every delivery was accepted by its clock").And.OnlyContain(n => n == 1, "each timer fired once");
        var fired = await db.Timers.AsNoTracking().Where(t => t.Key == "auto_accept" && t.State == "fired").Select(t => t.EndedAt).ToListAsync();
        fired.Should().HaveCount(count);
        var latest = fired.Max()!.Value - due;
        // How the firing went, ten seconds at a time (the rate with one host down, with both, at the tail).
        foreach (var slice in fired.GroupBy(f => (int)Math.Floor((f!.Value - due).TotalSeconds / 10)).OrderBy(g => g.Key))
        {
            output.WriteLine($"{slice.Key * 10,4}–{(slice.Key + 1) * 10} s after due: {slice.Count(),6:N0} fired");
        }

        output.WriteLine($"host killed at +{(killedAt - due).TotalSeconds:0.0} s with {runningAtKill:N0} timers still to fire, ready again at +{(restartedAt - due).TotalSeconds:0.0} s");
        var withinMinute = fired.Count(f => f!.Value - due < TimeSpan.FromSeconds(60));
        Report.Add(new Report.Row("2. Timers at scale", $"{count:N0} auto-acceptances due at the same second, 2 hosts", $"one host SIGKILLed {(killedAt - due).TotalSeconds:0} s after they fell due ({runningAtKill:N0} still to fire), restarted",
            $"{count:N0} timers fired, {withinMinute:N0} within 60 s of due, the last {latest.TotalSeconds:0.0} s after", count - accepts.Count, accepts.Count(n => n > 1), started.Elapsed));
        latest.Should().BeLessThan(TimeSpan.FromSeconds(60), "all within a minute of falling due");
        runningAtKill.Should().BeGreaterThan(0, "the host was killed while the burst was firing, at every size");
        runningAtKill.Should().BeLessThanOrEqualTo(count * 9 / 10, "the burst was under way when the host was killed");
    }

    /// <summary>A host on a database another host uses too.</summary>
    private sealed class SharedHost(string database) : HostProcess
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(database);
    }
}

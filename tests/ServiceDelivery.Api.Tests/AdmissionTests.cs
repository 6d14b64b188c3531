using System.Net;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>A host runs a bounded number of commands at once; one that gets no turn in time is a 503 to retry, not a hang.</summary>
public sealed class AdmissionTests
{
    [Fact]
    public async Task A_command_without_a_turn_in_time_answers_503_server_busy_with_retry_after_and_changes_nothing()
    {
        await using var host = await HostFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Deliveries:MaxConcurrentCommands"] = "1",
            ["Deliveries:CommandTurnTimeout"] = "00:00:00.300",
        });
        Api As(Caller caller) => new(host.ClientFor(caller));
        var busy = (await As(Api.Marketplace).StartAsync("ORD-BUSY-1")).GetProperty("id").GetGuid();
        var other = (await As(Api.Marketplace).StartAsync("ORD-BUSY-2")).GetProperty("id").GetGuid();

        // Another writer holds the first delivery's row: a command on it takes the host's one turn and waits.
        await using var db = TestDatabase.Context(host.ConnectionString);
        var holder = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM deliveries WHERE id = {busy}::uuid FOR UPDATE");
        var waiting = Task.Run(() => As(Api.Buyer).ActAsync(busy, "submit_requirement"));
        await Task.Delay(300);

        var refused = await As(Api.Buyer).ActAsync(other, "submit_requirement");

        refused.ShouldBe(HttpStatusCode.ServiceUnavailable, "server_busy");
        refused.Headers.RetryAfter.Should().NotBeNull("the caller is told when to try again");
        refused.Str("detail").Should().Contain("没有执行", "the reason, in the caller's language");
        await holder.RollbackAsync();
        await holder.DisposeAsync();
        (await waiting).ShouldBe(HttpStatusCode.OK);
        (await As(Api.Buyer).GetAsync($"/api/v1/deliveries/{other}")).Str("stage").Should().Be("requirement_pending", "the refused command did nothing");
    }
}

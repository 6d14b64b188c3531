using Npgsql;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Fault.Tests;

/// <summary>
/// A host killed while Hangfire held one of its recurring-job locks leaves the lock row behind until Hangfire's lock
/// timeout. The next host must start anyway (a CI run of the killed-host scenario saw it refuse to) and register the
/// job once the lock is free.
/// </summary>
public sealed class StaleJobLockTests(HostProcess host) : IClassFixture<HostProcess>
{
    [Fact]
    public async Task A_host_starts_while_a_dead_hosts_job_lock_is_held_and_registers_the_job_once_the_lock_is_free()
    {
        host.Kill();
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        async Task<object?> SqlAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteScalarAsync();
        }

        // The dead host's lock, fresh; and a schedule the next host's registration must put right.
        await SqlAsync("INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ('hangfire:lock:recurring-job:timers-sweep', 0, now() AT TIME ZONE 'UTC')");
        await SqlAsync("UPDATE hangfire.hash SET value = '0 0 * * *' WHERE key = 'recurring-job:timers-sweep' AND field = 'Cron'");

        await host.RestartAsync(); // threw "the host exited" before: the start failed on the lock
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        (await http.GetAsync("/health/ready")).IsSuccessStatusCode.Should().BeTrue();
        (await SqlAsync("SELECT value FROM hangfire.hash WHERE key = 'recurring-job:timers-sweep' AND field = 'Cron'")).Should().Be("0 0 * * *", "the lock still holds the registration back");

        await SqlAsync("DELETE FROM hangfire.lock WHERE resource = 'hangfire:lock:recurring-job:timers-sweep'");
        var registered = false;
        for (var waited = 0; waited < 300 && !registered; waited++)
        {
            registered = (string?)await SqlAsync("SELECT value FROM hangfire.hash WHERE key = 'recurring-job:timers-sweep' AND field = 'Cron'") == "* * * * *";
            await Task.Delay(100);
        }

        registered.Should().BeTrue("the host registers the sweep again once the lock is free");
    }
}

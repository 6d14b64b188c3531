using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Integration.Tests;

/// <summary>
/// A pooled context whose connection broke while a command was being sent serves again once the database is back.
/// Found by the fault suite's database outage: Npgsql recycles a connection's last command object, and a command
/// whose send failed while it was being auto-prepared kept a stale "preparing" mark; the next command built from it
/// on the reopened connection threw a NullReferenceException halfway through its answer and left the rest of that
/// answer unread on a connection that went back to the pool, so later commands on it read each other's messages.
/// </summary>
public sealed class ConnectionRecoveryTests : IAsyncLifetime
{
    private string _database = null!;
    private TcpOutageProxy _proxy = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("recovery");
        var server = new NpgsqlConnectionStringBuilder(_database);
        _proxy = TcpOutageProxy.Start(server.Host!, server.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(_database) { Host = "127.0.0.1", Port = _proxy.Port }.ConnectionString;

        // A pool of one context: every lease is the same context, with the same ADO.NET connection object.
        _services = new ServiceCollection()
            .AddPooledDbContextFactory<ServiceDeliveryDbContext>(options => ServiceDeliveryDbContextOptions.Configure(options, throughProxy), poolSize: 1)
            .BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _proxy.DisposeAsync();
        await TestDatabase.DropAsync(_database);
    }

    [Fact]
    public async Task A_context_whose_connection_broke_while_sending_a_statement_being_prepared_serves_again_after_the_outage()
    {
        var contexts = _services.GetRequiredService<IDbContextFactory<ServiceDeliveryDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            (await Count(db, "A")).Should().Be(0, "the first use makes the statement a candidate for preparation");
        }

        _proxy.Cut();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            // The second use prepares it; the send fails on the reset connection.
            var send = () => Count(db, "A");
            await send.Should().ThrowAsync<InvalidOperationException>().WithInnerException(typeof(NpgsqlException));
        }

        _proxy.Restore();
        for (var lease = 0; lease < 3; lease++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            // The same statement (a candidate again on the new connection) and another one, each a few times: a
            // command that stopped halfway through its answer would leave the next one reading the wrong messages.
            for (var use = 0; use < 3; use++)
            {
                (await Count(db, "A")).Should().Be(0);
                (await db.Tickets.CountAsync(t => t.Outcome == "B")).Should().Be(0);
            }
        }
    }

    private static Task<int> Count(ServiceDeliveryDbContext db, string orderId) => db.Deliveries.CountAsync(d => d.OrderId == orderId);
}

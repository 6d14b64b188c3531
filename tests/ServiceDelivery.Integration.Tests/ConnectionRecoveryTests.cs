using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;
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

    /// <summary>Outages played in a row: whether a send fails at once or a moment later is up to the sockets.</summary>
    private const int Outages = 5;

    [Fact]
    public async Task A_context_whose_connection_broke_while_sending_a_statement_being_prepared_serves_again_after_the_outage()
    {
        var contexts = _services.GetRequiredService<IDbContextFactory<ServiceDeliveryDbContext>>();
        for (var outage = 0; outage < Outages; outage++)
        {
            await using (var db = await contexts.CreateDbContextAsync())
            {
                // The first use on this connection (a candidate for preparation), and another statement: a command that
                // stopped halfway through its answer would leave the next one reading the wrong messages.
                (await Count(db, "A")).Should().Be(0);
                (await db.Tickets.CountAsync(t => t.Outcome == "B")).Should().Be(0);
            }

            _proxy.Cut();
            await using (var db = await contexts.CreateDbContextAsync())
            {
                // The second use prepares it; the send fails on the reset connection.
                var send = () => Count(db, "A");
                await send.Should().ThrowAsync<InvalidOperationException>().WithInnerException(typeof(NpgsqlException));
            }

            _proxy.Restore();
        }

        await using var after = await contexts.CreateDbContextAsync();
        for (var use = 0; use < 3; use++)
        {
            (await Count(after, "A")).Should().Be(0);
        }
    }

    [Fact]
    public async Task A_context_whose_connection_broke_while_saving_inside_a_transaction_saves_again_after_the_outage()
    {
        // EF brackets a save inside a transaction with savepoint statements, the only EF commands FreshCommands does
        // not see (EF takes them from Npgsql's recycled command); the save during the outage fails while sending the
        // savepoint its second use on the connection prepares. The first save after the outage met the stale mark.
        var contexts = _services.GetRequiredService<IDbContextFactory<ServiceDeliveryDbContext>>();
        var saved = new List<string>();
        for (var outage = 0; outage < Outages; outage++)
        {
            await SaveFilterAsync(contexts, $"before-{outage}");
            saved.Add($"before-{outage}");

            _proxy.Cut();
            var send = () => SaveFilterAsync(contexts, "during");
            var failure = (await send.Should().ThrowAsync<Exception>()).Which;
            Causes(failure).Should().Contain(e => e is NpgsqlException, "the send fails on the reset connection");
            _proxy.Restore();
        }

        await SaveFilterAsync(contexts, "after");
        saved.Add("after");
        await using var read = await contexts.CreateDbContextAsync();
        (await read.SavedFilters.Select(f => f.Name).ToListAsync()).Should().BeEquivalentTo(saved, "every save that returned is there, none of those that failed");
    }

    private static async Task SaveFilterAsync(IDbContextFactory<ServiceDeliveryDbContext> contexts, string name)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.SavedFilters.Add(new SavedFilterRecord { Id = Guid.NewGuid(), Name = name, Query = "stage=implementing", SavedBy = "op-3001", SavedByName = "王五", SavedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
    }

    private static IEnumerable<Exception> Causes(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            yield return exception;
        }
    }

    private static Task<int> Count(ServiceDeliveryDbContext db, string orderId) => db.Deliveries.CountAsync(d => d.OrderId == orderId);
}

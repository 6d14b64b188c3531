using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace ServiceDelivery.Persistence;

/// <summary>
/// Gives EF a new Npgsql command every time instead of the one Npgsql recycles per connection. Npgsql 10.0.3 keeps a
/// command's "being auto-prepared" mark when sending it fails (a dropped connection), and a pooled context keeps its
/// connection object across the outage: the recycled command then threw a NullReferenceException halfway through the
/// next answer and left the rest unread on a pooled connection, so later commands read each other's messages
/// (ConnectionRecoveryTests; found by the fault suite's database outage). A command costs one allocation more.
/// </summary>
public sealed class FreshCommands : DbCommandInterceptor
{
    public static readonly FreshCommands Instance = new();

    private FreshCommands()
    {
    }

    public override InterceptionResult<DbCommand> CommandCreating(CommandCorrelatedEventData eventData, InterceptionResult<DbCommand> result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        return result.HasResult ? result : InterceptionResult<DbCommand>.SuppressWithResult(new NpgsqlCommand { Connection = (NpgsqlConnection)eventData.Connection });
    }
}

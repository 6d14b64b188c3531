using Npgsql;

namespace ServiceDelivery.Host.Hosting;

/// <summary>Tells an exception that means "the database cannot be reached now" from a bug.</summary>
public static class DatabaseOutage
{
    public static bool Is(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // A server that answers: only its shutdown and connection classes (57P0x, 08xxx) are an outage.
                case PostgresException postgres:
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal);
                // No answer at all: refused, reset, timed out, pool exhausted.
                case NpgsqlException:
                    return true;

                // Thrown by Npgsql itself about a connection the outage broke ("connection is not open", a transaction
                // that completed with its connection, a disposed stream), without being an NpgsqlException.
                case InvalidOperationException or ObjectDisposedException or IOException when e.Source == "Npgsql":
                    return true;
            }
        }

        return false;
    }
}

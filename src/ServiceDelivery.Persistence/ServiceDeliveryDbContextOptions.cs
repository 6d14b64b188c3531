using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ServiceDelivery.Persistence;

/// <summary>The one place the provider is configured, shared by the host, the tests and design-time tools.</summary>
public static class ServiceDeliveryDbContextOptions
{
    public static DbContextOptionsBuilder<ServiceDeliveryDbContext> UseServiceDeliveryDatabase(this DbContextOptionsBuilder<ServiceDeliveryDbContext> builder, string connectionString)
    {
        Configure(builder, connectionString);
        return builder;
    }

    public static void Configure(DbContextOptionsBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder
            // One query: a delivery's few tasks and timers come back with it in a single round trip.
            .UseNpgsql(Tuned(connectionString), npgsql => npgsql.MigrationsHistoryTable("__ef_migrations").UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(FreshCommands.Instance, NoSavepoints.Instance);
    }

    /// <summary>
    /// The connection settings every command benefits from, unless the connection string sets them itself:
    /// statements prepared on their second use (a command's load query takes PostgreSQL longer to plan than to
    /// run), and no session reset when a connection goes back to the pool (nothing of ours outlives a command: no
    /// temporary tables, no session settings), which would also throw the prepared statements away; and no JIT
    /// compilation of queries (PostgreSQL compiles any statement estimated above jit_above_cost, a claim planned on
    /// lagging statistics among them: in a burst of timers that compiling took 40 % of the server's CPU).
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Mentions(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        if (!Mentions(connectionString, "No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        if (!Mentions(connectionString, "Options"))
        {
            builder.Options = "-c jit=off";
        }

        return builder.ConnectionString;
    }

    private static bool Mentions(string connectionString, params string[] keys) =>
        keys.Any(key => connectionString.Contains(key, StringComparison.OrdinalIgnoreCase));

    /// <summary>True for PostgreSQL's unique_violation (23505).</summary>
    public static bool IsUniqueViolation(this Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}

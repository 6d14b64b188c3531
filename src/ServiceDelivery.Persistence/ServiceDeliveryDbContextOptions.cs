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
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations"))
            .UseSnakeCaseNamingConvention();
    }

    /// <summary>True for PostgreSQL's unique_violation (23505).</summary>
    public static bool IsUniqueViolation(this Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}

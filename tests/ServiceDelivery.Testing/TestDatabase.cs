using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Infrastructure.LocalPostgres;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Testing;

/// <summary>
/// A real PostgreSQL for the tests. With SERVICEDELIVERY_TEST_POSTGRES set (a connection string whose user may
/// create databases) that server is used; otherwise one throwaway cluster per test process is started from the
/// installed server binaries. Every test class gets its own database, cloned from a template that already has
/// the migrations and the shipped definitions, so classes run in parallel and never see each other's rows.
/// </summary>
public static class TestDatabase
{
    public const string EnvironmentVariable = "SERVICEDELIVERY_TEST_POSTGRES";
    private const string Template = "sd_template";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static LocalPostgresCluster? _cluster;
    private static string? _server;
    private static bool _templateReady;
    private static int _counter;

    /// <summary>Creates a fresh database with the schema and shipped definitions; returns its connection string.</summary>
    public static async Task<string> CreateAsync(string? name = null)
    {
        var server = await ServerAsync();
        var database = $"sd_{name ?? "test"}_{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}".ToLowerInvariant();
        await ExecuteAsync(server, $"CREATE DATABASE \"{database}\" TEMPLATE \"{Template}\"");
        return new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
    }

    /// <summary>Creates an empty database (no schema, no definitions): for what the host must do by itself on a new one.</summary>
    public static async Task<string> CreateEmptyAsync(string? name = null)
    {
        var server = await ServerAsync();
        var database = $"sd_{name ?? "empty"}_{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}".ToLowerInvariant();
        await ExecuteAsync(server, $"CREATE DATABASE \"{database}\"");
        return new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateAsync"/> (test classes call it when they finish, keeping the cluster small).</summary>
    public static async Task DropAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        if (_server is not null && database is not null && database.StartsWith("sd_", StringComparison.Ordinal) && database != Template)
        {
            await ExecuteAsync(_server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        }
    }

    /// <summary>A context on <paramref name="connectionString"/>, for assertions straight on the tables.</summary>
    public static ServiceDeliveryDbContext Context(string connectionString) =>
        new(new DbContextOptionsBuilder<ServiceDeliveryDbContext>().UseServiceDeliveryDatabase(connectionString).Options);

    /// <summary>Where the shipped definitions are, next to the test assembly.</summary>
    public static string WorkflowsFolder => Path.Combine(AppContext.BaseDirectory, "workflows");

    private static async Task<string> ServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_server is null)
            {
                var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
                if (!string.IsNullOrWhiteSpace(configured))
                {
                    _server = configured;
                }
                else
                {
                    await RemoveAbandonedClustersAsync();
                    var folder = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
                    _cluster = await LocalPostgresCluster.StartAsync(folder, new LocalPostgresOptions { Throwaway = true, MaxConnections = 300 }, NullLogger.Instance);
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => _cluster.StopAsync().GetAwaiter().GetResult();
                    _server = _cluster.ConnectionString("postgres");
                }
            }

            if (!_templateReady)
            {
                await CreateTemplateAsync(_server);
                _templateReady = true;
            }

            return _server;
        }
        finally
        {
            Gate.Release();
        }
    }

    private const string FolderPrefix = "sd-test-pg-";

    /// <summary>
    /// Test processes that were killed cannot stop their cluster or delete its folder: the next run does it, for
    /// every folder whose process (the number in its name) is gone.
    /// </summary>
    private static async Task RemoveAbandonedClustersAsync()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var name = Path.GetFileName(folder)[FolderPrefix.Length..];
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(name[..dash], System.Globalization.CultureInfo.InvariantCulture, out var pid) || IsAlive(pid))
            {
                continue;
            }

            try
            {
                await LocalPostgresCluster.StopAbandonedAsync(folder);
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Another run may be cleaning it at the same moment; whoever is second leaves it.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task CreateTemplateAsync(string server)
    {
        await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{Template}\" WITH (FORCE)");
        await ExecuteAsync(server, $"CREATE DATABASE \"{Template}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = Template, Pooling = false }.ConnectionString;
        await using (var db = Context(connectionString))
        {
            await db.Database.MigrateAsync();
            var importer = new DefinitionImporter(db, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger<DefinitionImporter>.Instance);
            await importer.ImportAsync(WorkflowsFolder, CancellationToken.None);
        }

        // A template cannot be cloned while anyone is connected to it.
        NpgsqlConnection.ClearAllPools();
    }

    private static async Task ExecuteAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

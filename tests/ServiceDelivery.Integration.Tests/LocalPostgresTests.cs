using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ServiceDelivery.Infrastructure.LocalPostgres;

namespace ServiceDelivery.Integration.Tests;

/// <summary>The zero-set-up database works wherever a developer keeps the checkout.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LocalPostgresTests
{
    [Fact]
    public async Task A_cluster_asked_for_inside_a_private_folder_starts_and_answers()
    {
        // Like a checkout under /root: a parent only its owner may enter (the postgres user may not).
        var parent = Directory.CreateTempSubdirectory("sd-private-");
        File.SetUnixFileMode(parent.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var cluster = await LocalPostgresCluster.StartAsync(Path.Combine(parent.FullName, "postgres"), new LocalPostgresOptions { Throwaway = true, MaxConnections = 20 }, NullLogger.Instance);
        try
        {
            await cluster.EnsureDatabaseAsync("probe");
            await using var connection = new NpgsqlConnection(cluster.ConnectionString("probe"));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT 40 + 2", connection);

            (await command.ExecuteScalarAsync()).Should().Be(42);
            Directory.Exists(cluster.DataDirectory).Should().BeTrue();
        }
        finally
        {
            await cluster.StopAsync();
            parent.Delete(recursive: true);
        }
    }
}

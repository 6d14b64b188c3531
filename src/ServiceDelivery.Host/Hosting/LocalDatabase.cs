using ServiceDelivery.Infrastructure.LocalPostgres;

namespace ServiceDelivery.Host.Hosting;

/// <summary>
/// When no connection string is configured, the host provisions its own PostgreSQL from the installed server
/// binaries in a git-ignored folder, and stops it when the host stops.
/// </summary>
public static class LocalDatabase
{
    public const string ConnectionStringName = "ServiceDelivery";

    /// <summary>Returns the configured connection string, or starts the local cluster and returns its.</summary>
    public static async Task<string> ConnectionStringAsync(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configured = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        if (!builder.Environment.IsDevelopment())
        {
            // A trust-auth cluster in a temp-like folder is a developer convenience, never a production database.
            throw new InvalidOperationException(
                $"No database configured for the {builder.Environment.EnvironmentName} environment. Set ConnectionStrings:{ConnectionStringName} " +
                $"(environment variable ConnectionStrings__{ConnectionStringName}, e.g. \"Host=db;Database=servicedelivery;Username=servicedelivery;Password=…\"). " +
                "Only the Development environment provisions a local PostgreSQL by itself.");
        }

        var options = builder.Configuration.GetSection(LocalDatabaseOptions.SectionName).Get<LocalDatabaseOptions>() ?? new LocalDatabaseOptions();
        var folder = string.IsNullOrWhiteSpace(options.DataDirectory) ? DataFolder(builder.Environment.ContentRootPath, "postgres") : options.DataDirectory;
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true));
        var cluster = await LocalPostgresCluster.StartAsync(folder, new LocalPostgresOptions(), loggerFactory.CreateLogger("LocalDatabase"));
        await cluster.EnsureDatabaseAsync(options.Database);

        // Registered before everything else, so it stops last: after the jobs server and the web server.
        builder.Services.AddHostedService(_ => new ClusterLifetime(cluster));
        var connectionString = cluster.ConnectionString(options.Database);
        builder.Configuration[$"ConnectionStrings:{ConnectionStringName}"] = connectionString;
        return connectionString;
    }

    /// <summary>.data/&lt;name&gt; at the repository root (found by ServiceDelivery.sln), else under the content root.</summary>
    public static string DataFolder(string contentRoot, string name)
    {
        var directory = new DirectoryInfo(contentRoot);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ServiceDelivery.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? contentRoot, ".data", name);
    }

    private sealed class ClusterLifetime(LocalPostgresCluster cluster) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => cluster.StopAsync();
    }
}

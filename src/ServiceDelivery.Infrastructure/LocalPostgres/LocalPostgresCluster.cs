using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ServiceDelivery.Infrastructure.LocalPostgres;

/// <summary>
/// A private PostgreSQL cluster made from the installed server binaries (initdb, pg_ctl): the zero-set-up
/// database for the local run and the tests. Loopback only, trust authentication, its own socket folder.
/// When the process runs as root the server runs as the <c>postgres</c> user (PostgreSQL refuses root).
/// </summary>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    private const string SuperUser = "postgres";
    private readonly string _binDirectory;
    private readonly bool _runAsPostgres;
    private readonly bool _deleteOnStop;
    private readonly ILogger _logger;
    private bool _stopped;

    private LocalPostgresCluster(string dataDirectory, string binDirectory, int port, bool runAsPostgres, bool deleteOnStop, ILogger logger)
    {
        DataDirectory = dataDirectory;
        _binDirectory = binDirectory;
        Port = port;
        _runAsPostgres = runAsPostgres;
        _deleteOnStop = deleteOnStop;
        _logger = logger;
    }

    /// <summary>The cluster's data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>A connection string to <paramref name="database"/> on this cluster.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = SuperUser,
            Database = database,
            // The server shares this machine's cores: a few busy connections per core keep it at full speed, while 64
            // requests on 64 connections leave it switching between them (measured: half the throughput, 8 × the p99).
            // Requests beyond the pool wait their turn in it. Tests share one cluster, so this also keeps them within
            // max_connections.
            MaxPoolSize = Math.Max(12, Environment.ProcessorCount * 4 + 4),
        }.ConnectionString;

    /// <summary>
    /// Starts the cluster in <paramref name="dataDirectory"/>, creating it first when the folder holds none,
    /// or attaches to it when a previous run left it running.
    /// </summary>
    /// <param name="dataDirectory">Where the cluster lives.</param>
    /// <param name="options">Throwaway clusters trade durability for speed and are deleted on stop.</param>
    /// <param name="logger">Progress and failures.</param>
    /// <param name="cancellationToken">Cancels waiting for the server.</param>
    public static async Task<LocalPostgresCluster> StartAsync(string dataDirectory, LocalPostgresOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bin = FindBinDirectory();
        var runAsPostgres = Environment.IsPrivilegedProcess;
        dataDirectory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(dataDirectory);

        if (runAsPostgres)
        {
            await RunAsync("chown", ["-R", $"{SuperUser}:{SuperUser}", dataDirectory], false, cancellationToken);
            await RunAsync("chmod", ["700", dataDirectory], false, cancellationToken);
            if (await TryRunAsync("test", ["-w", dataDirectory], asPostgres: true, cancellationToken) != 0)
            {
                // A parent folder the postgres user cannot enter (a checkout under /root, a private temp folder):
                // keep the cluster where it can live, named after the requested folder so each checkout keeps its own.
                var requested = dataDirectory;
                var name = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(requested)))[..16];
                dataDirectory = Path.Combine("/var/tmp/servicedelivery-postgres", name);
                logger.LogWarning("The postgres user cannot reach {Requested}; the cluster lives in {DataDirectory} instead", requested, dataDirectory);
                Directory.CreateDirectory(Path.GetDirectoryName(dataDirectory)!);
                Directory.CreateDirectory(dataDirectory);
                await RunAsync("chown", ["-R", $"{SuperUser}:{SuperUser}", dataDirectory], false, cancellationToken);
                await RunAsync("chmod", ["700", dataDirectory], false, cancellationToken);
            }
        }

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            logger.LogInformation("Creating a PostgreSQL cluster in {DataDirectory}", dataDirectory);
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", dataDirectory, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"], runAsPostgres, cancellationToken);
        }

        var running = await RunningPortAsync(bin, dataDirectory, runAsPostgres, cancellationToken);
        var cluster = new LocalPostgresCluster(dataDirectory, bin, running ?? FreePort(), runAsPostgres, options.Throwaway, logger);
        if (running is null)
        {
            await cluster.StartServerAsync(options, cancellationToken);
        }
        else
        {
            logger.LogInformation("Reusing the PostgreSQL cluster already running in {DataDirectory} on port {Port}", dataDirectory, running);
        }

        return cluster;
    }

    /// <summary>Creates <paramref name="database"/> unless it exists.</summary>
    public async Task EnsureDatabaseAsync(string database, string? template = null, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }

        var sql = $"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" + (template is null ? string.Empty : $" TEMPLATE \"{template}\"");
        await using var create = new NpgsqlCommand(sql, connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stops the server (fast shutdown) and, for throwaway clusters, deletes the folder.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], _runAsPostgres, CancellationToken.None);
            _logger.LogInformation("Stopped the PostgreSQL cluster in {DataDirectory}", DataDirectory);
        }
        catch (InvalidOperationException ex)
        {
            _logger.LogWarning(ex, "Stopping the PostgreSQL cluster in {DataDirectory} failed", DataDirectory);
        }

        if (_deleteOnStop)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException ex)
            {
                _logger.LogWarning(ex, "Could not delete {DataDirectory}", DataDirectory);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Stops a server left running in <paramref name="dataDirectory"/> by a process that is gone (immediate shutdown).</summary>
    public static async Task StopAbandonedAsync(string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            return;
        }

        var bin = FindBinDirectory();
        await TryRunAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDirectory, "-m", "immediate", "-w", "stop"], Environment.IsPrivilegedProcess, CancellationToken.None);
    }

    /// <summary>True when the server binaries are installed (initdb found).</summary>
    public static bool IsAvailable()
    {
        try
        {
            FindBinDirectory();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private async Task StartServerAsync(LocalPostgresOptions options, CancellationToken cancellationToken)
    {
        var settings = new List<string>
        {
            $"-p {Port}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories='{DataDirectory}'",
            $"-c max_connections={options.MaxConnections.ToString(CultureInfo.InvariantCulture)}",
        };

        if (options.Throwaway)
        {
            // Nothing to keep after the run: skip the work that only protects against power loss.
            settings.AddRange(["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]);
        }

        var logFile = Path.Combine(DataDirectory, "server.log");
        _logger.LogInformation("Starting PostgreSQL on 127.0.0.1:{Port} ({DataDirectory})", Port, DataDirectory);
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", DataDirectory, "-l", logFile, "-w", "-t", "60", "-o", string.Join(' ', settings), "start"], _runAsPostgres, cancellationToken);
    }

    private static async Task<int?> RunningPortAsync(string bin, string dataDirectory, bool runAsPostgres, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        var status = await TryRunAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDirectory, "status"], runAsPostgres, cancellationToken);
        if (status != 0)
        {
            return null;
        }

        // postmaster.pid: line 4 is the port.
        var lines = await File.ReadAllLinesAsync(pidFile, cancellationToken);
        return lines.Length > 3 && int.TryParse(lines[3], CultureInfo.InvariantCulture, out var port) ? port : null;
    }

    private static string FindBinDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(Path.Combine(fromEnvironment, "initdb")))
        {
            return fromEnvironment;
        }

        // Debian/Ubuntu keep server binaries per major version, off PATH: take the newest.
        const string Debian = "/usr/lib/postgresql";
        if (Directory.Exists(Debian))
        {
            var newest = Directory.GetDirectories(Debian)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
            {
                return newest.Dir;
            }
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (directory.Length > 0 && File.Exists(Path.Combine(directory, "initdb")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them (apt-get install postgresql), set PG_BIN, or configure ConnectionStrings:ServiceDelivery.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await ExecuteAsync(file, arguments, asPostgres, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {exitCode}: {output.Trim()}");
        }
    }

    private static async Task<int> TryRunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken) =>
        (await ExecuteAsync(file, arguments, asPostgres, cancellationToken)).ExitCode;

    private static async Task<(int ExitCode, string Output)> ExecuteAsync(string file, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server must not inherit a working directory the postgres user cannot enter.
            WorkingDirectory = Path.GetTempPath(),
        };

        if (asPostgres)
        {
            foreach (var argument in new[] { "-u", SuperUser, "--", file })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>How a <see cref="LocalPostgresCluster"/> runs.</summary>
public sealed record LocalPostgresOptions
{
    /// <summary>Test clusters: no fsync, deleted on stop.</summary>
    public bool Throwaway { get; init; }

    /// <summary>Server max_connections.</summary>
    public int MaxConnections { get; init; } = 200;
}

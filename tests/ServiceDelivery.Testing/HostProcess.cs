using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace ServiceDelivery.Testing;

/// <summary>
/// The real host, started from its build output on a loopback port (Development: the sign-in page and demo
/// identities), on its own database of the test cluster. Pages are tested the way a person reaches them.
/// </summary>
public class HostProcess : IAsyncLifetime
{
    private readonly StringBuilder _output = new();
    private Process? _process;
    private string _attachments = string.Empty;

    public string BaseUrl { get; private set; } = string.Empty;

    public string ConnectionString { get; private set; } = string.Empty;

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        _attachments = Directory.CreateTempSubdirectory("sd-browser-").FullName;
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        await StartProcessAsync();
    }

    /// <summary>SIGKILL: the host dies mid-work, as on a power cut (nothing is flushed, no shutdown runs).</summary>
    public void Kill()
    {
        _process?.Kill(entireProcessTree: true);
        _process?.WaitForExit();
    }

    /// <summary>Starts the host again on the same port and database, and waits until it is ready.</summary>
    public Task RestartAsync() => StartProcessAsync();

    private async Task StartProcessAsync()
    {
        _process?.Dispose();
        var folder = HostFolder();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(folder, "ServiceDelivery.Host.dll"), "--urls", BaseUrl])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ConnectionStrings__ServiceDelivery"] = HostConnectionString(ConnectionString);
        start.Environment["Attachments__Root"] = _attachments;
        start.Environment["Workflows__Path"] = TestDatabase.WorkflowsFolder;
        start.Environment["Demo__Seed"] = "false";
        start.Environment["Jobs__WorkerCount"] = "1";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        Configure(start.Environment);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("The host exited:\n" + Log);
            }

            try
            {
                if ((await http.GetAsync(BaseUrl + "/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(300);
        }

        throw new TimeoutException("The host did not become ready:\n" + Log);
    }

    /// <summary>False for a second host on another host's database: disposing it leaves the database to its owner.</summary>
    protected virtual bool OwnsDatabase => true;

    /// <summary>The database the host runs on: a fresh one, unless a fixture shares another host's.</summary>
    protected virtual Task<string> CreateDatabaseAsync() => TestDatabase.CreateAsync("browser");

    /// <summary>The connection string the host process gets (a test may route it through a proxy); tests use <see cref="ConnectionString"/>.</summary>
    protected virtual string HostConnectionString(string connectionString) => connectionString;

    /// <summary>Settings of a fixture's host (environment variables, e.g. <c>Demo__Seed</c>), after the defaults.</summary>
    protected virtual void Configure(IDictionary<string, string?> environment)
    {
    }

    /// <summary>Stores a published version directly (what the importer or a designer's publish would leave).</summary>
    public async Task PublishAsync(string key, int version, string json, string? note = null)
    {
        await using var db = TestDatabase.Context(ConnectionString);
        db.DefinitionVersions.Add(new ServiceDelivery.Persistence.Entities.DefinitionVersionRecord
        {
            Key = key,
            Version = version,
            Json = json,
            PublishedAt = DateTimeOffset.UtcNow,
            PublishedBy = "d-4001",
            Note = note,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>The shipped process under another key.</summary>
    public static string ShippedAs(string key) =>
        File.ReadAllText(Path.Combine(TestDatabase.WorkflowsFolder, "manual-service-delivery.json")).Replace("\"manual-service-delivery\"", $"\"{key}\"", StringComparison.Ordinal);

    public string Log
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (OwnsDatabase)
        {
            await TestDatabase.DropAsync(ConnectionString);
        }

        Directory.Delete(_attachments, recursive: true);
    }

    private static string HostFolder()
    {
        // tests/ServiceDelivery.Browser.Tests/bin/<Configuration>/net10.0 → src/ServiceDelivery.Host/bin/<Configuration>/net10.0
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent!.Name;
        return Path.Combine(RepositoryRoot.Path, "src", "ServiceDelivery.Host", "bin", configuration, "net10.0");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

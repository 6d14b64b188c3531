using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>The real host (Program) on its own fresh PostgreSQL database, with a clock the test controls.</summary>
public sealed class HostFactory : WebApplicationFactory<Program>
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
    public const string SigningKey = "api-tests-signing-key-0123456789-0123456789";

    /// <summary>The anchors' signing key of these tests (a new one per run; Development has its own in appsettings).</summary>
    public static readonly string AnchorKey = ServiceDelivery.Evidence.AnchorKey.NewPrivateKeyPem();

    private readonly Dictionary<string, string?> _settings;

    private readonly string _environment;

    private HostFactory(string connectionString, AdjustableClock clock, IDictionary<string, string?>? settings, string environment)
    {
        _environment = environment;
        ConnectionString = connectionString;
        Clock = clock;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:ServiceDelivery"] = connectionString,
            ["Auth:SigningKey"] = SigningKey,
            ["Evidence:SigningKey"] = AnchorKey,
            ["Dev:Enabled"] = "true",
            ["Dev:ClockControl"] = "true",
            ["Demo:Seed"] = "false",
            ["Jobs:RunServer"] = "false",
            ["Workflows:Path"] = TestDatabase.WorkflowsFolder,
            ["Attachments:Root"] = Path.Combine(Path.GetTempPath(), "sd-api-attachments", Guid.NewGuid().ToString("N")),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string ConnectionString { get; }

    /// <summary>What the host logged (warnings and up, Hangfire from Information), for failure messages.</summary>
    public CapturedLog Log { get; } = new();

    public AdjustableClock Clock { get; }

    /// <summary>A host on a new database; <paramref name="settings"/> override the defaults above.</summary>
    public static async Task<HostFactory> CreateAsync(IDictionary<string, string?>? settings = null, AdjustableClock? clock = null, string? connectionString = null, string environment = "Development") =>
        new(connectionString ?? await TestDatabase.CreateAsync("api"), clock ?? AdjustableClock.FrozenAt(T0), settings, environment);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(Clock);
            services.AddSingleton<TimeProvider>(Clock);
            TestServices?.Invoke(services);
        });
        builder.ConfigureLogging(logging => logging.AddProvider(Log));
    }

    /// <summary>Stops the host, then drops its database unless another host is going to use it (outage tests).</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (DropDatabaseOnDispose)
        {
            await TestDatabase.DropAsync(ConnectionString);
        }
    }

    /// <summary>Replacements applied after the host's own registrations; set before the first use of the host.</summary>
    public Action<IServiceCollection>? TestServices { get; set; }

    /// <summary>False for hosts that hand their database over to another host.</summary>
    public bool DropDatabaseOnDispose { get; set; } = true;

    /// <summary>A client that sends a token for <paramref name="caller"/> (or none).</summary>
    public HttpClient ClientFor(Caller? caller, string? language = null)
    {
        var client = CreateClient();
        if (caller is not null)
        {
            var token = Services.GetRequiredService<TokenIssuer>().Issue(caller.Id, caller.Name, caller.Email, caller.Roles, caller.ProviderId);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (language is not null)
        {
            client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        }

        return client;
    }

    public static Task<HttpResponseMessage> PostJsonAsync<T>(HttpClient client, string url, T body) => client.PostAsJsonAsync(url, body);
}

/// <summary>Keeps a host's log lines in memory.</summary>
public sealed class CapturedLog : Microsoft.Extensions.Logging.ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public override string ToString() => string.Join(Environment.NewLine, _lines);

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) =>
            logLevel >= (category.StartsWith("Hangfire", StringComparison.Ordinal) ? Microsoft.Extensions.Logging.LogLevel.Debug : Microsoft.Extensions.Logging.LogLevel.Warning);

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}

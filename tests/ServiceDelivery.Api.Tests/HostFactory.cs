using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>The real host (Program) on its own fresh PostgreSQL database, with a clock the test controls.</summary>
public sealed class HostFactory : WebApplicationFactory<Program>
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
    public const string SigningKey = "api-tests-signing-key-0123456789-0123456789";

    private readonly Dictionary<string, string?> _settings;

    private HostFactory(string connectionString, AdjustableClock clock, IDictionary<string, string?>? settings)
    {
        ConnectionString = connectionString;
        Clock = clock;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:ServiceDelivery"] = connectionString,
            ["Auth:SigningKey"] = SigningKey,
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

    public AdjustableClock Clock { get; }

    /// <summary>A host on a new database; <paramref name="settings"/> override the defaults above.</summary>
    public static async Task<HostFactory> CreateAsync(IDictionary<string, string?>? settings = null, AdjustableClock? clock = null, string? connectionString = null) =>
        new(connectionString ?? await TestDatabase.CreateAsync("api"), clock ?? AdjustableClock.FrozenAt(T0), settings);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(Clock);
            services.AddSingleton<TimeProvider>(Clock);
        });
    }

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

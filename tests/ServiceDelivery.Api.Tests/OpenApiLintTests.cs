using System.Diagnostics;
using System.Net;
using System.Text;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// The document the host serves at /openapi/v1.json passes the linters integrators use (issue 25): Redocly CLI's
/// recommended rules and Spectral's <c>spectral:oas</c>, with the rules turned off in tools/openapi-lint's committed
/// configuration (redocly.yaml, .spectral.yaml) and nothing else. The linters are the npm packages pinned in
/// tools/openapi-lint, installed by this test with <c>npm ci</c> when they are missing (.ci/run does it first).
/// </summary>
public sealed class OpenApiLintTests : IAsyncLifetime
{
    private ApiFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiFixture.CreateAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task The_served_document_passes_redocly_and_spectral()
    {
        var folder = LintFolder();
        var redocly = Path.Combine(folder, "node_modules", "@redocly", "cli", "bin", "cli.js");
        var spectral = Path.Combine(folder, "node_modules", "@stoplight", "spectral-cli", "dist", "index.js");
        if (!File.Exists(redocly) || !File.Exists(spectral))
        {
            // A fresh clone: install the pinned linters, as `dotnet tool restore` does for the client generator.
            await InstallAsync(folder);
        }

        File.Exists(redocly).Should().BeTrue($"the linters are installed: run `npm ci` in {folder} (.ci/run does) — {redocly} is missing");
        File.Exists(spectral).Should().BeTrue($"the linters are installed: run `npm ci` in {folder} (.ci/run does) — {spectral} is missing");

        var response = await _api.Host.CreateClient().GetAsync("/openapi/v1.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var file = Path.Combine(Path.GetTempPath(), $"sd-openapi-{Guid.NewGuid():N}.json");
        var text = await response.Content.ReadAsStringAsync();
        await File.WriteAllTextAsync(file, text, new UTF8Encoding(false));
        if (Environment.GetEnvironmentVariable("SD_OPENAPI_DUMP") is { Length: > 0 } dump)
        {
            // For looking at the document by hand: SD_OPENAPI_DUMP=/tmp/openapi.json dotnet test --filter OpenApiLintTests
            await File.WriteAllTextAsync(dump, text, new UTF8Encoding(false));
        }

        try
        {
            var (redoclyExit, redoclyOutput, redoclyErrors) = await RunAsync(folder, redocly, "lint", file, "--config", Path.Combine(folder, "redocly.yaml"), "--format", "json");
            var (spectralExit, spectralOutput, spectralErrors) = await RunAsync(folder, spectral, "lint", file, "--ruleset", Path.Combine(folder, ".spectral.yaml"), "--fail-severity", "warn", "--format", "text");

            RedoclyProblems(redoclyOutput, redoclyErrors).Should().BeEmpty($"Redocly lint (recommended) reports no error and no warning (exit {redoclyExit})");
            redoclyExit.Should().Be(0, $"Redocly lint succeeds:{Environment.NewLine}{redoclyOutput}{redoclyErrors}");
            spectralExit.Should().Be(0, $"Spectral (spectral:oas) reports no error and no warning:{Environment.NewLine}{spectralOutput}{spectralErrors}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task InstallAsync(string folder)
    {
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("npm not found: the OpenAPI lint needs Node.js ≥ 20.19 and npm (apt-get install nodejs npm; .ci/run installs them).");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            process.ExitCode.Should().Be(0, $"npm ci in {folder}:{Environment.NewLine}{await output}{await errors}");
        }
    }

    /// <summary>Redocly's problems ("severity rule at pointer: message"), from its JSON report on standard output.</summary>
    private static List<string> RedoclyProblems(string output, string errors)
    {
        var start = output.IndexOf('{', StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0, $"Redocly wrote its JSON report:{Environment.NewLine}{output}{errors}");
        using var report = System.Text.Json.JsonDocument.Parse(output[start..]);
        return [.. report.RootElement.GetProperty("problems").EnumerateArray().Select(p =>
            $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()} at {p.GetProperty("location")[0].GetProperty("pointer").GetString()}: {p.GetProperty("message").GetString()}")];
    }

    /// <summary>tools/openapi-lint of this checkout, found upwards from the test binaries.</summary>
    internal static string LintFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tools", "openapi-lint");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"tools/openapi-lint/package.json not found above {AppContext.BaseDirectory}");
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(string folder, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry, no update checks: the linters run offline.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start; is Node.js installed?");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

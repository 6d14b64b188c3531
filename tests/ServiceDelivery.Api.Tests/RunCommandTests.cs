using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// The README's run command, as a new user runs it: `dotnet run --project src/ServiceDelivery.Host` with no
/// database configured. It must provision PostgreSQL, seed the demo, print working tokens, and shut down cleanly.
/// </summary>
public sealed partial class RunCommandTests
{
    [Fact]
    public async Task The_run_command_starts_the_service_with_its_database_and_demo_data_sends_its_mail_and_stops_cleanly()
    {
        var root = RepositoryRoot();
        await using var smtp = Testing.TestSmtpServer.Start();
        var data = Path.Combine(Path.GetTempPath(), $"sd-run-{Guid.NewGuid():N}");
        var port = FreePort();
        var output = new StringBuilder();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "run", "--project", "src/ServiceDelivery.Host", "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LocalDatabase__DataDirectory"] = data;
        start.Environment["Smtp__Host"] = "127.0.0.1";
        start.Environment["Smtp__Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("ConnectionStrings__ServiceDelivery");
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitForReadyAsync(http, process, output);
            var printed = await WaitForAsync(() => TokenLine().Matches(Snapshot(output)), m => m.Count >= 5);

            printed.Select(m => m.Groups["roles"].Value).Should().BeEquivalentTo(["buyer", "provider", "platform", "designer", "marketplace"], "a token per role is printed");
            foreach (Match line in printed)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/dev/clock");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", line.Groups["token"].Value);
                (await http.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK, $"the printed {line.Groups["roles"].Value} token works");
            }

            var docs = DocsLine().Match(Snapshot(output));
            docs.Success.Should().BeTrue("the banner says where the API documentation is");
            (await http.GetAsync(new Uri(docs.Groups["scalar"].Value))).StatusCode.Should().Be(HttpStatusCode.OK);
            (await http.GetAsync(new Uri(docs.Groups["openapi"].Value))).StatusCode.Should().Be(HttpStatusCode.OK);
            var stages = await DemoStagesAsync(data);
            stages.Should().BeEquivalentTo(
                ["requirement_pending", "requirement_confirming", "requirement_rejected", "implementing", "accepting", "refunding", "completed", "refunded", "closed"],
                "the demo has a delivery in every stage");

            // The demo's notifications reach the configured SMTP catcher: a "delivery started" to both parties of each delivery.
            await WaitForAsync(() => smtp.WithTemplate("delivery_started").Count, n => n >= 18, TimeSpan.FromSeconds(60));
            smtp.WithTemplate("delivery_started").Should().HaveCount(18, Log(output));

            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            var exited = process.WaitForExit(TimeSpan.FromSeconds(60));

            exited.Should().BeTrue("the service stops on SIGTERM");
            process.ExitCode.Should().Be(0, Log(output));
            File.Exists(Path.Combine(data, "postmaster.pid")).Should().BeFalse("PostgreSQL is stopped with the service");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            StopLeftoverCluster(data);
            Directory.Delete(data, recursive: true);
        }
    }

    [GeneratedRegex(@"\n  (?<roles>[a-z,]+)\s+.*\n    (?<token>eyJ[\w\-\.]+)")]
    private static partial Regex TokenLine();

    [GeneratedRegex(@"API docs\s+(?<scalar>http\S+) \(OpenAPI: (?<openapi>http\S+)\)")]
    private static partial Regex DocsLine();

    private static async Task WaitForReadyAsync(HttpClient http, Process process, StringBuilder output)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            process.HasExited.Should().BeFalse("the service must keep running:\n" + Log(output));
            try
            {
                if ((await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("The service did not become ready:\n" + Log(output));
    }

    private static async Task<T> WaitForAsync<T>(Func<T> probe, Func<T, bool> done, TimeSpan? timeout = null)
    {
        for (var i = 0; i < (timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds / 250; i++)
        {
            var value = probe();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(250);
        }

        return probe();
    }

    private static async Task<List<string>> DemoStagesAsync(string data)
    {
        var port = File.ReadAllLines(Path.Combine(data, "postmaster.pid"))[3];
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Database=servicedelivery;Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT stage FROM deliveries WHERE order_id LIKE 'DEMO-%'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var stages = new List<string>();
        while (await reader.ReadAsync())
        {
            stages.Add(reader.GetString(0));
        }

        return stages;
    }

    private static void StopLeftoverCluster(string data)
    {
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            var pid = File.ReadAllLines(Path.Combine(data, "postmaster.pid"))[0];
            Process.Start("kill", ["-INT", pid])?.WaitForExit();
            Thread.Sleep(2000);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static string Log(StringBuilder output)
    {
        lock (output)
        {
            var text = output.ToString();
            return text.Length > 6000 ? text[^6000..] : text;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ServiceDelivery.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ServiceDelivery.sln not found");
    }
}

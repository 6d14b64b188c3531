using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ServiceDelivery.Testing;

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
        var root = RepositoryRoot.Path;
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
                // The clock is the platform's; any other valid token is known (403), a broken one would be 401.
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/dev/clock");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", line.Groups["token"].Value);
                var expected = line.Groups["roles"].Value == "platform" ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
                (await http.SendAsync(request)).StatusCode.Should().Be(expected, $"the printed {line.Groups["roles"].Value} token works");
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

    [Fact]
    public async Task The_host_built_and_started_as_the_Dockerfile_says_serves_its_pages_and_processes()
    {
        var root = RepositoryRoot.Path;
        // The compose file as Debian's docker-compose 1.29 reads it (its `config` needs no engine), with the variables it
        // requires set: a file compose refuses fails here, and the host below runs with the app service's environment.
        var config = await ComposeConfigAsync(root);
        var compose = ComposeServiceEnvironment(config, "app");
        // The image's build stage replayed without a Docker engine: only the files its COPY lines name, in an empty
        // folder, its restore and publish commands in order. A file the image needs but does not copy fails here.
        var build = Directory.CreateTempSubdirectory("sd-dockerfile-").FullName;
        var hostFolder = await BuildAsTheDockerfileDoesAsync(root, build);
        var port = FreePort();
        var attachments = Path.Combine(Path.GetTempPath(), $"sd-docker-{Guid.NewGuid():N}");
        var connectionString = await Testing.TestDatabase.CreateAsync("docker");
        var output = new StringBuilder();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(hostFolder, "ServiceDelivery.Host.dll")])
        {
            WorkingDirectory = hostFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_URLS", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var dockerfile = File.ReadAllText(Path.Combine(root, "docker", "Dockerfile"));
        var image = DockerfileEnvironment(dockerfile);
        image.Should().ContainKey("ASPNETCORE_URLS").WhoseValue.Should().Contain(":8080");

        // Non-root on a read-only root filesystem: the image's last USER is not root; compose mounts the root read-only,
        // a tmpfs on /tmp and a volume under which the host's writable path (Attachments__Root) lies.
        var user = dockerfile.Split('\n').Last(l => l.StartsWith("USER ", StringComparison.Ordinal))[5..].Trim();
        new[] { "root", "0", "0:0" }.Should().NotContain(user, "the image runs as a non-root user");
        var service = ComposeService(config, "app");
        service.Should().Contain("    read_only: true", "the app's root filesystem is read-only");
        ComposeEntries(service, "tmpfs").Should().Contain("- /tmp", "the runtime's temporary files go to a tmpfs");
        var mounts = ComposeEntries(service, "volumes").Select(v => v.TrimStart('-', ' ').Split(':')[1]).ToList();
        image.Should().ContainKey("Attachments__Root");
        mounts.Should().Contain(m => image["Attachments__Root"].StartsWith(m + "/", StringComparison.Ordinal) || image["Attachments__Root"] == m, "attachments are kept on a volume");

        // The same with this machine's means: the published app folder is made unwritable (which stops a non-root
        // host; a root one is caught by the folder's listing, compared after the run), HOME is an empty folder that
        // must stay so (the image's /home/app is on the read-only root), and a fresh folder stands for the tmpfs.
        var published = Listing(hostFolder);
        SetWritable(hostFolder, writable: false);
        var home = Directory.CreateTempSubdirectory("sd-docker-home-").FullName;
        var tmp = Directory.CreateTempSubdirectory("sd-docker-tmp-").FullName;
        start.Environment["HOME"] = home;
        start.Environment["TMPDIR"] = tmp;
        foreach (var (name, value) in image)
        {
            start.Environment[name] = value;
        }

        // The compose stack's settings of the app (its database, its SMTP catcher) over the image's.
        compose.Should().ContainKey("ASPNETCORE_ENVIRONMENT").WhoseValue.Should().Be("Production", "the compose stack runs in Production by default");
        foreach (var (name, value) in compose)
        {
            start.Environment[name] = value;
        }

        // The image's own settings, except a free port instead of 8080 and a writable folder instead of /data.
        start.Environment["ASPNETCORE_URLS"] = image["ASPNETCORE_URLS"].Replace(":8080", $":{port}", StringComparison.Ordinal);
        start.Environment["Attachments__Root"] = attachments;
        start.Environment["ConnectionStrings__ServiceDelivery"] = connectionString;
        start.Environment["Auth__SigningKey"].Should().Be(ComposeSigningKey, "the compose file passes AUTH_SIGNING_KEY to the app");
        start.Environment["Evidence__SigningKey"].Should().Be(ComposeAnchorKey, "the compose file passes EVIDENCE_SIGNING_KEY to the app");
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitForReadyAsync(http, process, output);

            var live = await http.GetAsync("/health/live");
            live.StatusCode.Should().Be(HttpStatusCode.OK);
            live.Headers.Contains("Server").Should().BeFalse("the host does not announce what it runs on");
            (await http.PostAsync("/api/v1/dev/tokens", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode
                .Should().Be(HttpStatusCode.NotFound, "the image runs as Production: no development helpers");
            Snapshot(output).Should().NotContain("5080", "nothing falls back to the development address");
            (await http.GetAsync("/signin")).StatusCode.Should().Be(HttpStatusCode.OK, "the pages are in the image");
            (await http.GetAsync("/_content/ServiceDelivery.Web/center.css")).StatusCode.Should().Be(HttpStatusCode.OK, "the pages' static files are in the image");
            await using var db = Testing.TestDatabase.Context(connectionString);
            (await db.DefinitionVersions.CountAsync()).Should().BeGreaterThan(0, "the shipped processes (workflows/) are in the image");

            // An upload (with a token docker/token.sh mints from the compose key) lands in the configured folder.
            using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/attachments");
            upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenScriptAsync(root, ComposeSigningKey, "u-1001", "buyer"));
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(Encoding.UTF8.GetBytes("read-only root, writable volume\n"));
            file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(file, "file", "note.txt");
            upload.Content = form;
            var uploaded = await http.SendAsync(upload);
            uploaded.StatusCode.Should().Be(HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
            Directory.EnumerateFiles(attachments, "*", SearchOption.AllDirectories).Should().NotBeEmpty("the upload is kept under Attachments__Root");

            var after = Listing(hostFolder);
            after.Except(published).Concat(published.Except(after)).Should().BeEmpty("the host writes nothing into its own folder (a read-only root in the image)");
            Directory.EnumerateFileSystemEntries(home).Should().BeEmpty("the host writes nothing to HOME (data-protection keys are in the database)");
        }
        finally
        {
            await StopAsync(process, connectionString, attachments);
            SetWritable(hostFolder, writable: true);
            Directory.Delete(build, recursive: true);
            Directory.Delete(home, recursive: true);
            Directory.Delete(tmp, recursive: true);
        }
    }

    [Fact]
    public async Task The_run_command_with_ASPNETCORE_ENVIRONMENT_set_to_Production_runs_in_Production()
    {
        var root = RepositoryRoot.Path;
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var port = FreePort();
        var connectionString = await Testing.TestDatabase.CreateAsync("runprod");
        var attachments = Path.Combine(Path.GetTempPath(), $"sd-runprod-{Guid.NewGuid():N}");
        var output = new StringBuilder();
        // The README's run command (already built by the test run, hence --no-build), with the environment a person sets.
        var start = new ProcessStartInfo("dotnet", ["run", "--no-build", "-c", configuration, "--project", "src/ServiceDelivery.Host", "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment["ConnectionStrings__ServiceDelivery"] = connectionString;
        start.Environment["Auth__SigningKey"] = "run-production-signing-key-0123456789-0123456789";
        start.Environment["Evidence__SigningKey"] = HostFactory.AnchorKey;
        start.Environment["Attachments__Root"] = attachments;
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitForReadyAsync(http, process, output);

            Snapshot(output).Should().Contain("Hosting environment: Production", "the launch profile does not override what the person set");
            (await http.PostAsync("/api/v1/dev/tokens", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode
                .Should().Be(HttpStatusCode.NotFound, "no development helpers in Production");
        }
        finally
        {
            await StopAsync(process, connectionString, attachments);
        }
    }

    /// <summary>Stops a host the test started and removes its database and attachments folder.</summary>
    private static async Task StopAsync(Process process, string connectionString, string attachments)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        await Testing.TestDatabase.DropAsync(connectionString);
        if (Directory.Exists(attachments))
        {
            Directory.Delete(attachments, recursive: true);
        }
    }

    /// <summary>
    /// Replays the Dockerfile's build stage in <paramref name="folder"/>: each COPY of the repository's files (to the
    /// stage's WORKDIR), each RUN of a dotnet command; answers where the publish put the app.
    /// </summary>
    private static async Task<string> BuildAsTheDockerfileDoesAsync(string root, string folder)
    {
        var lines = Regex.Replace(File.ReadAllText(Path.Combine(root, "docker", "Dockerfile")), @"\\\r?\n\s*", " ").Split('\n');
        var stage = lines.TakeWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal) || !l.Contains(" AS runtime", StringComparison.Ordinal)).ToList();
        var workdir = stage.First(l => l.StartsWith("WORKDIR ", StringComparison.Ordinal))[8..].Trim();
        string Local(string path) => Path.Combine(folder, path.StartsWith('/') ? path.TrimStart('/') : Path.Combine(workdir.TrimStart('/'), path));
        var output = Path.Combine(folder, "app");
        foreach (var line in stage)
        {
            if (line.StartsWith("COPY ", StringComparison.Ordinal) && !line.Contains("--from", StringComparison.Ordinal))
            {
                var parts = line[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var target = parts[^1];
                foreach (var source in parts[..^1])
                {
                    var from = Path.Combine(root, source.TrimEnd('/'));
                    if (Directory.Exists(from))
                    {
                        CopyTree(from, Local(target));
                    }
                    else
                    {
                        File.Exists(from).Should().BeTrue($"the Dockerfile copies {source}, which must exist");
                        var to = target.EndsWith('/') ? Path.Combine(Local(target), Path.GetFileName(from)) : Local(target);
                        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                        File.Copy(from, to, overwrite: true);
                    }
                }
            }
            else if (line.StartsWith("RUN dotnet ", StringComparison.Ordinal))
            {
                var arguments = line[11..].Replace(" /app", " " + output, StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var run = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = Local("."), RedirectStandardOutput = true, RedirectStandardError = true };
                using var process = Process.Start(run)!;
                var said = process.StandardOutput.ReadToEndAsync();
                var complained = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync();
                process.ExitCode.Should().Be(0, $"`dotnet {string.Join(' ', arguments)}` as the Dockerfile runs it:\n{await said}\n{await complained}");
            }
        }

        return output;

        static void CopyTree(string from, string to)
        {
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                // What a clean checkout has: the build outputs a developer's tree may hold are not part of it.
                if (relative.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
                {
                    continue;
                }

                var target = Path.Combine(to, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
        }
    }

    /// <summary>Every file and folder under <paramref name="folder"/> with its size and time of last change.</summary>
    private static List<string> Listing(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Select(p => new FileInfo(p) is var info && info.Exists ? $"{Path.GetRelativePath(folder, p)} {info.Length} {info.LastWriteTimeUtc:O}" : $"{Path.GetRelativePath(folder, p)}/ {Directory.GetLastWriteTimeUtc(p):O}")
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>Takes away (or gives back) every write permission in a folder tree: chmod -R a-w (u+w).</summary>
    private static void SetWritable(string folder, bool writable)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode write = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
        foreach (var path in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Append(folder))
        {
            var mode = File.GetUnixFileMode(path);
            File.SetUnixFileMode(path, writable ? mode | UnixFileMode.UserWrite : mode & ~write);
        }
    }

    /// <summary>A token from docker/token.sh, the compose stack's way to mint one without an identity provider.</summary>
    private static async Task<string> TokenScriptAsync(string root, string key, string sub, string role)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "docker", "token.sh"), sub, role]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var name in new[] { "AUTH_ISSUER", "AUTH_AUDIENCE" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["AUTH_SIGNING_KEY"] = key;
        using var process = Process.Start(start)!;
        var token = process.StandardOutput.ReadToEndAsync();
        var complained = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, await complained);
        return (await token).Trim();
    }

    /// <summary>The anchors' key the compose check sets, in the one-line form the compose file's comment makes (PKCS#8 DER, base64).</summary>
    private static readonly string ComposeAnchorKey = Convert.ToBase64String(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKey());

    /// <summary>The key the compose check sets for the compose file's required AUTH_SIGNING_KEY.</summary>
    private const string ComposeSigningKey = "compose-check-signing-key-0123456789-0123456789";

    /// <summary>
    /// `docker-compose -f docker/compose.yaml config` with Debian's docker-compose (1.29; `config` needs no Docker
    /// engine): the file resolved, with the variables it requires set and none of the optional ones (their defaults
    /// apply). Fails when compose refuses the file.
    /// </summary>
    private static async Task<string> ComposeConfigAsync(string root)
    {
        var start = new ProcessStartInfo("docker-compose", ["-f", Path.Combine("docker", "compose.yaml"), "config"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("COMPOSE_", StringComparison.Ordinal) || k.StartsWith("DOCKER_", StringComparison.Ordinal)
            || k is "AUTH_SIGNING_KEY" or "EVIDENCE_SIGNING_KEY" or "AUTH_ISSUER" or "AUTH_AUDIENCE" or "APP_ENVIRONMENT" or "POSTGRES_PASSWORD").ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["AUTH_SIGNING_KEY"] = ComposeSigningKey;
        start.Environment["EVIDENCE_SIGNING_KEY"] = ComposeAnchorKey;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("docker-compose not found: install Debian's docker-compose (apt-get install docker-compose; .ci/run does) to validate docker/compose.yaml.");
        }

        using (process)
        {
            var said = process.StandardOutput.ReadToEndAsync();
            var complained = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            process.ExitCode.Should().Be(0, $"docker-compose accepts docker/compose.yaml:\n{await complained}");
            return await said;
        }
    }

    /// <summary>The lines of one service in `docker-compose config` output (keys sorted, two spaces per level).</summary>
    private static List<string> ComposeService(string config, string service)
    {
        var lines = config.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var start = Array.IndexOf(lines, $"  {service}:");
        start.Should().BeGreaterThan(0, $"the compose file has a service {service}:\n{config}");
        return lines.Skip(start + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).ToList();
    }

    /// <summary>The entries under <paramref name="key"/> of a compose service: `NAME: value` pairs or `- item` lines.</summary>
    private static List<string> ComposeEntries(List<string> service, string key) =>
        service.SkipWhile(l => l != $"    {key}:").Skip(1).TakeWhile(l => l.StartsWith("      ", StringComparison.Ordinal) || l.StartsWith("    - ", StringComparison.Ordinal))
            .Select(l => l.Trim()).ToList();

    /// <summary>A compose service's resolved environment.</summary>
    private static Dictionary<string, string> ComposeServiceEnvironment(string config, string service)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in ComposeEntries(ComposeService(config, service), "environment"))
        {
            var colon = entry.IndexOf(": ", StringComparison.Ordinal);
            var value = entry[(colon + 2)..];
            environment[entry[..colon]] = value.Length > 1 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1].Replace("''", "'", StringComparison.Ordinal) : value;
        }

        return environment;
    }

    /// <summary>The variables of the Dockerfile's ENV instructions (KEY=value pairs, lines joined by backslashes).</summary>
    private static Dictionary<string, string> DockerfileEnvironment(string dockerfile)
    {
        var joined = Regex.Replace(dockerfile, @"\\\r?\n\s*", " ");
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in joined.Split('\n').Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
        {
            foreach (Match pair in Regex.Matches(line[4..], @"(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>\S+)"))
            {
                variables[pair.Groups["name"].Value] = pair.Groups["value"].Value;
            }
        }

        return variables;
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
}

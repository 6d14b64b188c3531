using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// The C# client integrators generate from the served OpenAPI document (Kiota) is committed in clients/ and used:
/// the committed code must be what the document generates now, and the README's walk-through runs through it.
/// </summary>
public sealed class GeneratedClientTests
{
    private static readonly string Root = FindRoot();

    private static string Committed => Path.Combine(Root, "clients", "ServiceDelivery.Client", "Generated");

    [Fact]
    public async Task The_committed_client_is_what_the_served_document_generates()
    {
        await using var host = await HostFactory.CreateAsync();
        var document = JsonNode.Parse(await host.CreateClient().GetStringAsync("/openapi/v1.json"))!.AsObject();
        document.Remove("servers"); // the requesting address: not part of the contract
        var work = Directory.CreateTempSubdirectory("sd-client-").FullName;
        try
        {
            var source = Path.Combine(work, "openapi.json");
            await File.WriteAllTextAsync(source, document.ToJsonString());
            var generated = Path.Combine(work, "Generated");
            await RunAsync("dotnet", "tool", "restore");
            await RunAsync("dotnet", "kiota", "generate", "-l", "CSharp", "-d", source, "-o", generated, "-n", "ServiceDelivery.Client",
                "-c", "ServiceDeliveryClient", "--exclude-backward-compatible", "--clean-output");
            // The lock file names the temporary input and the log the run's time: neither is part of the client.
            File.Delete(Path.Combine(generated, "kiota-lock.json"));
            File.Delete(Path.Combine(generated, ".kiota.log"));

            if (Environment.GetEnvironmentVariable("SD_CLIENT_REGENERATE") == "1")
            {
                if (Directory.Exists(Committed))
                {
                    Directory.Delete(Committed, recursive: true);
                }

                CopyDirectory(generated, Committed);
            }

            Files(generated).Should().BeEquivalentTo(Files(Committed),
                "clients/ServiceDelivery.Client/Generated is what Kiota generates from the served document: run `bash clients/generate.sh` after changing the API");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Every file's path and text (line endings normalised).</summary>
    private static Dictionary<string, string> Files(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), f => File.ReadAllText(f).ReplaceLineEndings("\n"));

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task RunAsync(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command, arguments) { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["KIOTA_TUTORIAL_ENABLED"] = "false";
        start.Environment["KIOTA_OFFLINE_ENABLED"] = "true";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, $"{command} {string.Join(' ', arguments)}:\n{await output}\n{await errors}");
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "ServiceDelivery.sln")))
        {
            directory = directory.Parent;
        }

        return directory.FullName;
    }
}

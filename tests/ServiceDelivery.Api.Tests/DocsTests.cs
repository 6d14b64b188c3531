using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// The documentation stays true: the README's walk-through prints what the README says, every relative link
/// resolves, and docs/operations.md documents exactly the configuration keys the host reads.
/// </summary>
public sealed partial class DocsTests
{
    private static readonly string Root = RepositoryRoot.Path;

    [Fact]
    public async Task The_readmes_walk_through_prints_what_the_readme_says_it_prints()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Root, "README.md"));
        var section = readme[readme.IndexOf("## The API in one go", StringComparison.Ordinal)..];
        var script = Block(section, "```bash");
        var expected = Block(section[(section.IndexOf("which prints", StringComparison.Ordinal))..], "```").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        await using var host = new HostProcess();
        await host.InitializeAsync();
        var run = new ProcessStartInfo("bash", ["-c", "set -e\n" + script.Replace("http://127.0.0.1:5080", host.BaseUrl, StringComparison.Ordinal)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(run)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, errors);

        var printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        printed.Should().HaveSameCount(expected, output);
        for (var i = 0; i < expected.Length; i++)
        {
            // "…" in the README stands for a value that differs per run (a due time).
            var pattern = "^" + string.Join(".+", expected[i].Split('…').Select(Regex.Escape)) + "$";
            printed[i].Should().MatchRegex(pattern, "line {0} of the README's output", i + 1);
        }
    }

    [Fact]
    public void Every_relative_link_in_the_readme_and_docs_resolves()
    {
        var files = new[] { Path.Combine(Root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md")).ToList();
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var file in files)
        {
            foreach (Match link in MarkdownLink().Matches(File.ReadAllText(file)))
            {
                var target = link.Groups["target"].Value;
                if (target.StartsWith('#') || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                checkedLinks++;
                var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, Uri.UnescapeDataString(target.Split('#')[0])));
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    broken.Add($"{Path.GetRelativePath(Root, file)}: {target}");
                }
            }
        }

        checkedLinks.Should().BeGreaterThan(20, "the README links the docs and the docs their screenshots");
        broken.Should().BeEmpty();
    }

    [Fact]
    public void Docs_operations_documents_exactly_the_configuration_keys_the_host_reads()
    {
        var operations = File.ReadAllText(Path.Combine(Root, "docs", "operations.md"));
        var table = operations[operations.IndexOf("## Configuration", StringComparison.Ordinal)..operations.IndexOf("## Docker", StringComparison.Ordinal)];
        var documented = table.Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(line => ConfigKey().Matches(line.Split('|')[1]).Select(m => m.Groups["key"].Value))
            .ToHashSet(StringComparer.Ordinal);

        var read = ReadKeys();
        string.Join(", ", read.Except(documented).Order(StringComparer.Ordinal)).Should().BeEmpty("every key the host reads is documented in docs/operations.md");
        string.Join(", ", documented.Except(read).Order(StringComparer.Ordinal)).Should().BeEmpty("every key docs/operations.md documents is read by the host");
    }

    /// <summary>
    /// Every key of every options class the host binds (a class with a <c>SectionName</c>, each settable property or
    /// list a key), and the few keys read directly.
    /// </summary>
    private static HashSet<string> ReadKeys()
    {
        var assemblies = new[] { typeof(Program).Assembly, typeof(ServiceDelivery.Application.ApplicationServices).Assembly, typeof(ServiceDelivery.Infrastructure.Jobs.JobOptions).Assembly };
        var keys = new HashSet<string>(StringComparer.Ordinal) { "ConnectionStrings:ServiceDelivery", "Workflows:Path", "Kestrel:Endpoints" };
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is not { IsLiteral: true } field)
            {
                continue;
            }

            var section = (string)field.GetRawConstantValue()!;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var bindable = property.SetMethod is { IsPublic: true } || (property.PropertyType.IsGenericType && property.PropertyType.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollection<>)));
                if (bindable)
                {
                    keys.Add($"{section}:{property.Name}");
                }
            }
        }

        return keys;
    }

    private static string Block(string text, string fence)
    {
        var start = text.IndexOf(fence, StringComparison.Ordinal) + fence.Length;
        start = text.IndexOf('\n', start) + 1;
        return text[start..text.IndexOf("```", start, StringComparison.Ordinal)];
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"`(?<key>[A-Z][A-Za-z]+:[A-Z][A-Za-z0-9]+)`")]
    private static partial Regex ConfigKey();
}

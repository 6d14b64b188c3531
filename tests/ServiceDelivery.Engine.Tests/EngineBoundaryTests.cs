using System.Reflection;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Tests.Support;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Engine.Tests;

/// <summary>The engine stays a pure core: no persistence, web, jobs or mail, no clock, no I/O.</summary>
public sealed class EngineBoundaryTests
{
    private static readonly Assembly Engine = typeof(WorkflowEngine).Assembly;

    [Fact]
    public void The_engine_references_only_the_base_library_and_the_json_schema_validator()
    {
        var references = Engine.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        references.Should().OnlyContain(name =>
            name == "System" || name.StartsWith("System.", StringComparison.Ordinal) || name == "netstandard"
            || name == "JsonSchema.Net" || name == "Json.More" || name == "JsonPointer.Net");
        references.Should().NotContain(name =>
            name.Contains("EntityFramework", StringComparison.Ordinal) || name.Contains("AspNetCore", StringComparison.Ordinal)
            || name.Contains("Hangfire", StringComparison.Ordinal) || name.Contains("MailKit", StringComparison.Ordinal)
            || name.Contains("Npgsql", StringComparison.Ordinal) || name.Contains("ServiceDelivery", StringComparison.Ordinal));
    }

    [Fact]
    public void The_engine_source_reads_no_clock_and_does_no_io()
    {
        var root = RepositoryRoot.Path;
        var sources = Directory.GetFiles(Path.Combine(root, "src", "ServiceDelivery.Engine"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        string[] forbidden = ["DateTime.Now", "DateTime.UtcNow", "DateTimeOffset.Now", "DateTimeOffset.UtcNow", "TimeProvider", "File.", "Directory.", "HttpClient", "new Random", "Random.Shared", "Guid.NewGuid", "Environment.GetEnvironmentVariable", "Thread.Sleep", "Task.Delay"];

        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            forbidden.Where(text.Contains).Should().BeEmpty(Path.GetFileName(file));
        }
    }
}

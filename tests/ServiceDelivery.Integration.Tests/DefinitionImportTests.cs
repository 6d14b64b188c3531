using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Integration.Tests;

/// <summary>Shipped definitions are imported at start when newer than the database's, once, even by racing hosts.</summary>
public sealed class DefinitionImportTests : IAsyncLifetime
{
    private AppHarness _app = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        _app = await AppHarness.CreateAsync();
        _folder = Directory.CreateTempSubdirectory("sd-workflows-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<IReadOnlyList<(string Key, int Version)>> ImportAsync() =>
        _app.InScope(sp => sp.GetRequiredService<DefinitionImporter>().ImportAsync(_folder, CancellationToken.None));

    private async Task WriteAsync(string name, Action<JsonObject> change)
    {
        var document = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(TestDatabase.WorkflowsFolder, "manual-service-delivery.json")))!.AsObject();
        change(document);
        await File.WriteAllTextAsync(Path.Combine(_folder, name), document.ToJsonString());
    }

    [Fact]
    public async Task A_file_is_imported_only_when_its_version_is_newer()
    {
        await WriteAsync("manual-service-delivery.json", d => d["version"] = 1);
        (await ImportAsync()).Should().BeEmpty("v1 is already there");

        await WriteAsync("manual-service-delivery.json", d => d["version"] = 2);
        (await ImportAsync()).Should().Equal(("manual-service-delivery", 2));
        (await ImportAsync()).Should().BeEmpty("importing is idempotent");
    }

    [Fact]
    public async Task An_invalid_file_is_skipped_without_stopping_the_others()
    {
        await WriteAsync("a-broken.json", d => { d["key"] = "broken"; d["initialStage"] = "nowhere"; });
        await WriteAsync("b-good.json", d => { d["key"] = "second-process"; d["version"] = 1; });

        (await ImportAsync()).Should().Equal(("second-process", 1));
    }

    [Fact]
    public async Task Hosts_importing_at_the_same_time_publish_a_version_once()
    {
        await WriteAsync("manual-service-delivery.json", d => d["version"] = 3);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(ImportAsync)));

        results.Sum(r => r.Count).Should().Be(1);
        await using var db = _app.Db();
        (await db.DefinitionVersions.CountAsync(d => d.Key == "manual-service-delivery" && d.Version == 3)).Should().Be(1);
    }
}

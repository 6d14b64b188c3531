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

    private async Task<IReadOnlyList<(string Key, int Version)>> ImportAsync() => (await ImportWithRefusalsAsync()).Imported;

    private Task<ImportResult> ImportWithRefusalsAsync() =>
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
    public async Task A_shipped_version_a_designer_already_published_with_other_content_is_refused_and_reported()
    {
        var draft = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(TestDatabase.WorkflowsFolder, "manual-service-delivery.json")))!.AsObject();
        draft["stages"]![4]!["timers"]![0]!["after"] = "P20D";
        var designer = new ServiceDelivery.Application.Common.Caller("designer-1", "设计师", null, new HashSet<string> { "designer" }, null);
        await _app.InScope(sp => sp.GetRequiredService<DefinitionCommands>().SaveDraftAsync(designer, "manual-service-delivery", draft.ToJsonString(), null, CancellationToken.None));
        (await _app.InScope(sp => sp.GetRequiredService<DefinitionCommands>().PublishAsync(designer, "manual-service-delivery", null, null, CancellationToken.None))).Value!.Version.Should().Be(2);
        await WriteAsync("manual-service-delivery.json", d => { d["version"] = 2; d["stages"]![4]!["timers"]![0]!["after"] = "P10D"; });

        var result = await ImportWithRefusalsAsync();

        result.Imported.Should().BeEmpty();
        result.Refused.Should().ContainSingle().Which.Should().Be(new ImportRefusal("manual-service-delivery.json", "manual-service-delivery", 2, "designer-1", 2));
        await using var db = _app.Db();
        (await db.DefinitionVersions.SingleAsync(d => d.Key == "manual-service-delivery" && d.Version == 2)).Json.Should().Contain("P20D", "the designer's v2 stays");

        await WriteAsync("manual-service-delivery.json", d => { d["version"] = 3; d["stages"]![4]!["timers"]![0]!["after"] = "P10D"; });
        (await ImportAsync()).Should().Equal([("manual-service-delivery", 3)], "renumbered above the designer's version, the file is imported");
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

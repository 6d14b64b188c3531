using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Http.HttpClientLibrary;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Client;
using ServiceDelivery.Client.Api.V1.Deliveries.Item.Actions.Item;
using ServiceDelivery.Client.Models;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// The C# client integrators generate from the served OpenAPI document (Kiota) is committed in clients/ and used:
/// the committed code must be what the document generates now, and the README's walk-through runs through it.
/// </summary>
public sealed class GeneratedClientTests
{
    private static readonly string Root = RepositoryRoot.Path;

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

    [Fact]
    public async Task The_readmes_walk_through_runs_through_the_generated_client()
    {
        await using var api = await ApiFixture.CreateAsync();
        ServiceDeliveryClient As(Caller caller)
        {
            var http = api.Host.ClientFor(caller);
            return new ServiceDeliveryClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = http.BaseAddress!.ToString().TrimEnd('/') });
        }

        var (market, buyer, provider) = (As(Api.Marketplace), As(Api.Buyer), As(Api.Provider));
        var started = await market.Api.V1.Deliveries.PostAsync(new StartDeliveryBody
        {
            OrderId = "ORD-20261126-0001",
            Product = new OrderProduct { Id = "prod-db-migration", Name = "数据库迁移服务", Spec = "标准版" },
            Buyer = new OrderParty { Id = "u-1001", Name = "张三", Email = "buyer@example.com" },
            Provider = new OrderParty { Id = "p-2001", Name = "云迁科技", Email = "ops@provider.example" },
            PaidAmount = 1200.00, CouponAmount = 100.00, Currency = "CNY", PaidAt = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero),
        });
        var id = started!.Id!.Value;
        var delivery = buyer.Api.V1.Deliveries[id];

        var pdf = "%PDF-1.4 需求说明"u8.ToArray();
        var upload = new MultipartBody();
        upload.AddOrReplacePart("file", "application/pdf", new MemoryStream(pdf), "需求说明.pdf");
        var attachment = await buyer.Api.V1.Attachments.PostAsync(upload);

        // An action's form is open-ended (the definition decides its fields): the client carries them as additional data.
        static WithActionPostRequestBody Form(Dictionary<string, object>? fields = null)
        {
            var body = new WithActionPostRequestBody();
            foreach (var (name, value) in fields ?? [])
            {
                body.AdditionalData[name] = value;
            }

            return body;
        }

        (await delivery.Actions["submit_requirement"].PostAsync(Form(new() { ["description"] = "把 MySQL 5.7 迁移到云数据库", ["attachmentIds"] = new UntypedArray([new UntypedString(attachment!.Id.ToString())]) })))!
            .Stage.Should().Be("requirement_confirming");
        (await provider.Api.V1.Deliveries[id].Actions["confirm_requirement"].PostAsync(Form()))!.Stage.Should().Be("implementing");
        (await provider.Api.V1.Deliveries[id].Actions["submit_for_acceptance"].PostAsync(Form(new() { ["details"] = "迁移完成，校验通过" })))!.Stage.Should().Be("accepting");
        var task = (await buyer.Api.V1.Tasks.GetAsync())!.Single(t => t.DeliveryId == id);
        task.StageName.Should().Be("待验收");
        task.Actions!.Select(a => a.Name).Should().Equal("验收通过", "验收驳回");
        (await delivery.Actions["accept"].PostAsync(Form(new() { ["details"] = "验收通过" })))!.Stage.Should().Be("completed");

        await using (var downloaded = await provider.Api.V1.Attachments[attachment.Id!.Value].GetAsync())
        {
            using var copy = new MemoryStream();
            await downloaded!.CopyToAsync(copy);
            copy.ToArray().Should().Equal(pdf, "the provider downloads the buyer's file through the client");
        }

        var log = (await delivery.Log.GetAsync())!;
        log.Select(e => (e.Seq, e.Actor!.Role, e.ActionName, e.ToStage)).Should().Equal(
            (1, "marketplace", "交付开始", "requirement_pending"),
            (2, "buyer", "提交需求", "requirement_confirming"),
            (3, "provider", "确认需求", "implementing"),
            (4, "provider", "提交验收", "accepting"),
            (5, "buyer", "验收通过", "completed"));
        log[1].Attachments!.Single().FileName.Should().Be("需求说明.pdf");
        (await delivery.Log.Verify.GetAsync())!.Valid.Should().BeTrue();
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
}

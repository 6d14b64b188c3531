using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>Compare two versions in the Studio: the list of changes and the colours on the canvas.</summary>
public sealed class StudioCompareTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    private const string Key = "studio-compare";

    [Fact]
    public async Task Comparing_v1_with_v2_lists_the_added_stage_and_action_and_the_changed_duration_and_colours_them_and_new_deliveries_run_on_v2()
    {
        var shipped = HostProcess.ShippedAs(Key);
        var next = JsonNode.Parse(shipped)!.AsObject();
        var stages = next["stages"]!.AsArray();
        var implementing = stages.OfType<JsonObject>().Single(s => (string?)s["key"] == "implementing");
        implementing["actions"]!.AsArray().Add("send_to_review");
        stages.OfType<JsonObject>().Single(s => (string?)s["key"] == "accepting")["timers"]![0]!["after"] = "P10D";
        stages.Add(JsonNode.Parse("""{ "key": "reviewing", "name": { "zh-CN": "待复核", "en": "Reviewing" }, "status": "active", "assignees": ["platform"], "actions": ["finish_review"] }"""));
        next["actions"]!.AsArray().Add(JsonNode.Parse("""{ "key": "send_to_review", "name": { "zh-CN": "送复核", "en": "Send to review" }, "roles": ["provider"], "to": "reviewing" }"""));
        next["actions"]!.AsArray().Add(JsonNode.Parse("""{ "key": "finish_review", "name": { "zh-CN": "复核完成", "en": "Review done" }, "roles": ["platform"], "to": "accepting" }"""));
        await host.PublishAsync(Key, 1, shipped);
        await host.PublishAsync(Key, 2, next.ToJsonString(), "加入平台复核");

        var page = await browser.SignedInAsync(host, "designer");
        await Browser.OpenDefinitionAsync(page, host, Key);
        await Browser.OpenTabAsync(page, "对比", page.GetByTestId("changes"));

        (await page.GetByTestId("compare-from").InputValueAsync()).Should().Be("1");
        (await page.GetByTestId("compare-to").InputValueAsync()).Should().Be("2");
        var changes = (await page.GetByTestId("change").AllTextContentsAsync()).Select(c => string.Join(' ', c.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).ToList();
        changes.Should().Contain(c => c.StartsWith("新增 阶段 待复核", StringComparison.Ordinal));
        changes.Should().Contain(c => c.StartsWith("新增 动作 送复核", StringComparison.Ordinal));
        changes.Should().Contain(c => c.StartsWith("修改 时限 待验收", StringComparison.Ordinal) && c.Contains("期限：15 天 → 10 天", StringComparison.Ordinal));
        changes.Should().Contain(c => c.StartsWith("修改 阶段 实施中", StringComparison.Ordinal) && c.Contains("可执行的动作：更新进度、提交验收 → 更新进度、提交验收、送复核", StringComparison.Ordinal),
            "implementing offers a new action, named in words, not as a JSON array");

        var compare = page.GetByTestId("compare").Locator("..");
        (await compare.Locator("[data-stage=reviewing]").GetAttributeAsync("class")).Should().Contain("diff-added");
        (await compare.Locator("[data-stage=accepting]").GetAttributeAsync("class")).Should().Contain("diff-changed");
        (await compare.Locator("[data-action=send_to_review]").First.GetAttributeAsync("class")).Should().Contain("diff-added");
        await page.GetByTestId("json-diff").Locator("summary").ClickAsync();
        var inserted = await page.Locator("[data-testid=json-diff] .diff-line.inserted").AllTextContentsAsync();
        inserted.Should().Contain(l => l.Contains("\"after\": \"P10D\"", StringComparison.Ordinal)).And.Contain(l => l.Contains("\"send_to_review\"", StringComparison.Ordinal));
        (await page.Locator("[data-testid=json-diff] .diff-line.deleted").AllTextContentsAsync()).Should().Contain(l => l.Contains("\"after\": \"P15D\"", StringComparison.Ordinal));
        await Browser.ScreenshotAsync(page, "studio-5-compare");

        // Swapping the sides reads the other way round.
        await page.GetByTestId("compare-from").SelectOptionAsync("2");
        await page.GetByTestId("compare-to").SelectOptionAsync("1");
        await page.GetByTestId("change").GetByText("删除").First.WaitForAsync();

        // A new draft: the comparison opens on the newest version against it.
        await page.GetByTestId("new-draft").ClickAsync();
        await page.GetByTestId("undo").WaitForAsync();
        await Assertions.Expect(page.GetByTestId("compare-to")).ToHaveValueAsync("draft");
        (await page.GetByTestId("compare-from").InputValueAsync()).Should().Be("2");

        // A delivery started now runs on v2.
        var id = await host.StartDeliveryAsync(Key, "ORD-STUDIO-V2");
        await using var check = ServiceDelivery.Testing.TestDatabase.Context(host.ConnectionString);
        check.Deliveries.Single(d => d.Id == id).DefinitionVersion.Should().Be(2);
    }
}

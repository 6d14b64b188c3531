using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>The problems panel follows the draft as it is edited, and a problem selects its stage.</summary>
public sealed class StudioProblemsTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    private const string Key = "studio-problems";

    [Fact]
    public async Task A_stage_where_its_assignee_can_do_nothing_is_reported_clicking_the_problem_selects_it_and_an_action_out_clears_it()
    {
        var shipped = HostProcess.ShippedAs(Key);
        await host.PublishAsync(Key, 1, shipped);
        var page = await browser.SignedInAsync(host, "designer");
        await Browser.OpenDefinitionAsync(page, host, Key);
        await page.GetByTestId("new-draft").ClickAsync();

        // 待复核 reached from 实施中, assigned to the platform, with no action in it. A large, re-indented document on
        // purpose: the whole text travels to the server on every edit.
        var document = JsonNode.Parse(shipped)!.AsObject();
        var stages = document["stages"]!.AsArray();
        stages.OfType<JsonObject>().Single(s => (string?)s["key"] == "implementing")["actions"]!.AsArray().Add("send_to_review");
        stages.Add(JsonNode.Parse("""{ "key": "reviewing", "name": { "zh-CN": "待复核", "en": "Reviewing" }, "status": "active", "assignees": ["platform"], "actions": [] }"""));
        document["actions"]!.AsArray().Add(JsonNode.Parse("""{ "key": "send_to_review", "name": { "zh-CN": "送复核", "en": "Send to review" }, "roles": ["provider"], "to": "reviewing" }"""));
        await Browser.OpenJsonAsync(page);
        await Browser.SetJsonTextAsync(page, document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

        // The platform is assigned but may perform none of the stage's actions: the validator names the stage.
        var problem = page.GetByTestId("problems").GetByText("assignee_without_action");
        await problem.WaitForAsync();
        (await page.GetByTestId("problems").InnerTextAsync()).Should().Contain("$.stages[9]");
        (await page.GetByTestId("publish").IsDisabledAsync()).Should().BeTrue("nothing with a problem can be published");
        await Browser.OpenTabAsync(page, "画布", page.Locator("[data-stage=reviewing]:visible"));
        await problem.ClickAsync();
        (await page.GetByTestId("inspector-title").InnerTextAsync()).Should().Be("待复核", "the problem selects its stage");
        (await page.Locator("[data-stage=reviewing]:visible").GetAttributeAsync("class")).Should().Contain("selected");
        await Browser.ScreenshotAsync(page, "studio-2-problems-from-json");

        // An action of the platform out of 待复核 clears the problem.
        stages.OfType<JsonObject>().Single(s => (string?)s["key"] == "reviewing")["actions"]!.AsArray().Add("finish_review");
        document["actions"]!.AsArray().Add(JsonNode.Parse("""{ "key": "finish_review", "name": { "zh-CN": "复核完成", "en": "Review done" }, "roles": ["platform"], "to": "accepting" }"""));
        await Browser.OpenJsonAsync(page);
        await Browser.SetJsonTextAsync(page, document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        await page.GetByTestId("no-problems").WaitForAsync();
        await page.GetByTestId("save-draft").ClickAsync();
        await page.GetByTestId("draft-state").GetByText("草稿已保存").WaitForAsync();
        (await page.GetByTestId("publish").IsDisabledAsync()).Should().BeFalse();
    }
}

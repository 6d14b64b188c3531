using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>Simulating a definition in the Studio: the real forms, the virtual clock, the system's auto-acceptance.</summary>
public sealed class StudioSimulateTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    [Fact]
    public async Task A_designer_simulates_a_ten_day_draft_saves_the_path_as_a_scenario_and_publishes_it()
    {
        const string Key = "studio-simulate";
        await host.PublishAsync(Key, 1, HostProcess.ShippedAs(Key));
        var page = await browser.SignedInAsync(host, "designer");
        await Browser.OpenDefinitionAsync(page, host, Key);
        await page.GetByTestId("new-draft").ClickAsync();
        await page.Locator("[data-testid=stage][data-stage=accepting]:visible").ClickAsync();
        await page.Locator("[data-timer=auto_accept] input").FillAsync("P10D");
        await page.Locator("[data-timer=auto_accept] input").PressAsync("Tab");
        await page.Locator("[data-testid=stage][data-stage=accepting]:visible").GetByText("10 天 → 自动验收通过").WaitForAsync();
        await Browser.OpenTabAsync(page, "模拟", page.GetByTestId("simulate"));
        var simulate = page.GetByTestId("simulate").Locator("..");

        await Act(simulate, "buyer", "submit_requirement");
        await simulate.GetByTestId("sim-submit").ClickAsync();
        (await simulate.GetByTestId("sim-error").First.TextContentAsync()).Should().Be("必填", "the action's real form requires a description");
        await simulate.GetByTestId("sim-field-description").FillAsync("把 MySQL 5.7 迁移到云数据库");
        await simulate.GetByTestId("sim-submit").ClickAsync();
        await Act(simulate, "provider", "confirm_requirement");
        await simulate.GetByTestId("sim-submit").ClickAsync();
        await Act(simulate, "provider", "submit_for_acceptance");
        await simulate.GetByTestId("sim-field-details").FillAsync("迁移完成，校验通过");
        await simulate.GetByTestId("sim-submit").ClickAsync();
        await simulate.GetByTestId("sim-timers").GetByText("auto_accept").WaitForAsync();
        (await simulate.Locator("[data-stage=accepting]").GetAttributeAsync("class")).Should().Contain("selected", "the current stage lights up");

        await simulate.GetByTestId("sim-plus-10d").ClickAsync();

        await simulate.Locator("[data-stage=completed].selected").WaitForAsync();
        var steps = await simulate.GetByTestId("sim-step").AllTextContentsAsync();
        steps[^1].Should().Contain("系统").And.Contain("验收通过").And.Contain("已完成");
        steps.Count(s => s.Contains("acceptance_reminder", StringComparison.Ordinal)).Should().Be(2, "both reminders were mailed on the way");

        // The path walked is saved as a scenario that must end in 已完成; it passes on the draft.
        await simulate.GetByTestId("sim-scenario-name").FillAsync("10 天自动验收");
        await simulate.GetByTestId("sim-save-scenario").ClickAsync();
        (await simulate.GetByTestId("sim-scenario").GetByTestId("sim-scenario-result").TextContentAsync())!.Trim().Should().Be("通过");
        await Browser.ScreenshotAsync(page, "studio-4-simulate");

        var save = page.GetByTestId("save-draft");
        if (!await save.IsDisabledAsync())
        {
            await save.ClickAsync();
        }

        await page.GetByTestId("draft-state").GetByText("草稿已保存").WaitForAsync();
        await page.GetByLabel("变更说明").FillAsync("验收期改为 10 天");
        await page.GetByTestId("publish").ClickAsync();
        await page.GetByText("已发布 v2").First.WaitForAsync();

        await using var check = TestDatabase.Context(host.ConnectionString);
        var scenario = await check.DefinitionScenarios.AsNoTracking().SingleAsync(s => s.Key == Key);
        scenario.ExpectedStage.Should().Be("completed");
        scenario.Steps.Should().Contain("submit_requirement").And.Contain("\"advance\"");
        (await check.DefinitionVersions.AsNoTracking().SingleAsync(d => d.Key == Key && d.Version == 2)).Json.Should().Contain("\"P10D\"");
    }

    private static async Task Act(ILocator simulate, string role, string action)
    {
        await simulate.GetByTestId("sim-role-" + role).GetByTestId("sim-action-" + action).ClickAsync();
        await simulate.GetByTestId("sim-form").WaitForAsync();
    }
}

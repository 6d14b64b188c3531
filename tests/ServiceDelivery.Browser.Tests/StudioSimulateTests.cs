using Microsoft.Playwright;

namespace ServiceDelivery.Browser.Tests;

/// <summary>Simulating a definition in the Studio: the real forms, the virtual clock, the system's auto-acceptance.</summary>
public sealed class StudioSimulateTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    [Fact]
    public async Task A_designer_runs_the_process_as_buyer_and_provider_and_fifteen_days_later_the_system_accepts()
    {
        var page = await browser.SignedInAsync(host, "designer");
        await Browser.OpenDefinitionAsync(page, host, "manual-service-delivery");
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

        await simulate.GetByTestId("sim-plus-15d").ClickAsync();

        await simulate.Locator("[data-stage=completed].selected").WaitForAsync();
        var steps = await simulate.GetByTestId("sim-step").AllTextContentsAsync();
        steps[^1].Should().Contain("系统").And.Contain("验收通过").And.Contain("已完成");
        steps.Count(s => s.Contains("acceptance_reminder", StringComparison.Ordinal)).Should().Be(2, "both reminders were mailed on the way");
        await Browser.ScreenshotAsync(page, "studio-4-simulate");
    }

    private static async Task Act(ILocator simulate, string role, string action)
    {
        await simulate.GetByTestId("sim-role-" + role).GetByTestId("sim-action-" + action).ClickAsync();
        await simulate.GetByTestId("sim-form").WaitForAsync();
    }
}

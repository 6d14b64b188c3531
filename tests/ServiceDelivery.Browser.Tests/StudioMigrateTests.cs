using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>Migrating running deliveries to a new version from the Studio: preview, typed confirmation, batch, log.</summary>
public sealed class StudioMigrateTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    private const string Key = "studio-migrate";

    [Fact]
    public async Task The_platform_previews_the_running_deliveries_of_v1_moves_them_to_v2_and_their_logs_say_so()
    {
        var v1 = HostProcess.ShippedAs(Key);
        await host.PublishAsync(Key, 1, v1);
        var implementing = new[]
        {
            await host.StartDeliveryAsync(Key, "MIG-1", "submit_requirement", "confirm_requirement"),
            await host.StartDeliveryAsync(Key, "MIG-2", "submit_requirement", "confirm_requirement"),
        };
        var pending = await host.StartDeliveryAsync(Key, "MIG-3");
        await host.PublishAsync(Key, 2, v1.Replace("\"P15D\"", "\"P10D\"", StringComparison.Ordinal), "验收期改为 10 天");

        var page = await browser.SignedInAsync(host, "platform");
        await Browser.OpenDefinitionAsync(page, host, Key);
        await Browser.OpenTabAsync(page, "迁移", page.GetByTestId("migrate-preview"));
        (await page.Locator("[data-testid=migrate-stage][data-stage=implementing] [data-testid=migrate-count]").TextContentAsync()).Should().Be("2");
        (await page.Locator("[data-testid=migrate-stage][data-stage=requirement_pending] [data-testid=migrate-count]").TextContentAsync()).Should().Be("1");
        (await page.GetByTestId("migrate-total").TextContentAsync()).Should().Contain("共 3 个运行中的交付将从 v1 迁移到 v2");

        // Nothing starts until the key is typed.
        var start = page.GetByTestId("migrate-start");
        (await start.IsDisabledAsync()).Should().BeTrue();
        await page.GetByTestId("migrate-reason").FillAsync("验收期改为 10 天");
        await page.GetByTestId("migrate-confirmation").FillAsync(Key);
        await Browser.ScreenshotAsync(page, "studio-7-migrate-preview");
        await start.ClickAsync();

        await page.Locator("[data-testid=migrate-batch][data-finished=true]").WaitForAsync();
        (await page.GetByTestId("migrate-progress").First.TextContentAsync()).Should().Contain("已完成：迁移 3 个，失败 0 个");
        await Browser.ScreenshotAsync(page, "studio-7-migrated");
        (await page.GetByTestId("migrate-total").TextContentAsync()).Should().Contain("v1 上没有运行中的交付");

        // The history counts them on v2 now (after a reload: the page shows what it loaded).
        await Browser.OpenDefinitionAsync(page, host, Key);
        await Browser.OpenTabAsync(page, "版本", page.GetByTestId("version-running").Last);
        (await page.GetByTestId("version-running").AllTextContentsAsync()).Should().Equal("0", "3");

        await using var check = TestDatabase.Context(host.ConnectionString);
        var ids = implementing.Append(pending).ToList();
        (await check.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id)).Select(d => d.DefinitionVersion).ToListAsync()).Should().AllBeEquivalentTo(2);
        var logs = await check.ProcessLog.AsNoTracking().Where(l => ids.Contains(l.DeliveryId) && l.Action == "admin_migrate").ToListAsync();
        logs.Should().HaveCount(3).And.OnlyContain(l => l.Data["reason"] == "验收期改为 10 天" && l.Data["fromVersion"] == "1" && l.Data["toVersion"] == "2" && l.ActorRole == "platform");
    }
}

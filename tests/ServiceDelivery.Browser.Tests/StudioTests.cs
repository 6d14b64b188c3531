using System.Net;
using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>The Studio as a process designer (and a buyer who wanders in) uses it, in Chromium against the real host.</summary>
public sealed class StudioTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    [Fact]
    public async Task A_designer_opens_the_shipped_process_and_sees_nine_stages_and_eleven_actions_without_overlap_and_the_fifteen_day_timer()
    {
        var page = await browser.SignedInAsync(host, "designer");
        await page.GotoAsync(host.BaseUrl + "/studio");
        await page.GetByTestId("definitions").GetByText("人工服务交付流程").WaitForAsync();
        await Browser.ScreenshotAsync(page, "studio-1-definitions");

        await page.GetByTestId("definitions").GetByRole(AriaRole.Link, new() { Name = "打开" }).First.ClickAsync();
        await page.Locator("[data-interactive=true]").WaitForAsync(); // the circuit is up: clicks reach the page

        var stages = page.Locator("[data-testid=stage]:visible"); // the canvas tab (other tabs keep their own canvases)
        (await stages.CountAsync()).Should().Be(9);
        var actions = await page.Locator("[data-testid=edge]:visible").EvaluateAllAsync<string[]>("edges => [...new Set(edges.map(e => e.dataset.action))]");
        actions.Should().HaveCount(11, "every action of the shipped process is drawn");
        (await page.Locator("[data-testid=canvas-summary]:visible").InnerTextAsync()).Should().Be("9 个阶段，11 个动作");

        // No two stage boxes overlap, as the browser laid them out.
        var boxes = new List<LocatorBoundingBoxResult>();
        foreach (var node in await page.Locator("[data-testid=stage]:visible rect").AllAsync())
        {
            boxes.Add((await node.BoundingBoxAsync())!);
        }

        boxes.Should().HaveCount(9);
        for (var i = 0; i < boxes.Count; i++)
        {
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i], boxes[j]);
                var overlap = a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;
                overlap.Should().BeFalse($"stage boxes {i} and {j} must not overlap");
            }
        }

        var accepting = page.Locator("[data-stage=accepting]:visible");
        (await accepting.GetByTestId("timer-badge").First.TextContentAsync()).Should().Be("15 天 → 自动验收通过");
        (await accepting.GetByTestId("reminder-badge").TextContentAsync()).Should().Be("提前 3 天、1 天 提醒");
        (await page.GetByTestId("no-problems").IsVisibleAsync()).Should().BeTrue("the shipped process is valid");
        await Browser.ScreenshotAsync(page, "studio-1-canvas");

        await accepting.ClickAsync();
        (await page.GetByTestId("inspector-title").InnerTextAsync()).Should().Be("待验收");
    }

    [Fact]
    public async Task A_buyer_who_opens_the_studio_gets_a_clear_403_page_and_the_english_switch_shows_english()
    {
        var buyer = await browser.SignedInAsync(host, "buyer");
        var answer = await buyer.GotoAsync(host.BaseUrl + "/studio");

        answer!.Status.Should().Be((int)HttpStatusCode.Forbidden);
        (await buyer.GetByTestId("forbidden-title").InnerTextAsync()).Should().Contain("无权访问");
        (await buyer.Locator("main p").InnerTextAsync()).Should().Contain("张三").And.Contain("买家");
        await Browser.ScreenshotAsync(buyer, "studio-8-forbidden");

        var designer = await browser.SignedInAsync(host, "designer");
        await designer.GotoAsync(host.BaseUrl + "/studio");
        await designer.GetByTestId("lang-en").ClickAsync();
        await designer.GetByText("Process definitions").WaitForAsync();
        (await designer.Locator("html").GetAttributeAsync("lang")).Should().Be("en");
        await Browser.ScreenshotAsync(designer, "studio-8-english");
    }
}

using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>Drafts in the Studio: two designers, one draft, nothing lost; publishing with a note.</summary>
public sealed class StudioDraftTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    private const string Key = "studio-conflict";

    /// <summary>A second designer, through the custom identity form.</summary>
    private async Task<IPage> OtherDesignerAsync()
    {
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(host.BaseUrl + "/signin");
        var form = page.Locator("form.signin-custom");
        await form.Locator("input[name=sub]").FillAsync("d-4002");
        await form.Locator("input[name=name]").FillAsync("钱七（流程设计）");
        await form.Locator("input[name=roles]").FillAsync("designer");
        await form.GetByRole(AriaRole.Button).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
        return page;
    }

    private static async Task EditJsonAsync(IPage page, string from, string to)
    {
        var editor = page.GetByTestId("json-editor");
        await Browser.OpenTabAsync(page, "JSON", editor);
        var text = await editor.InputValueAsync();
        text.Should().Contain(from);
        await editor.FillAsync(text.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_second_designers_stale_save_shows_the_conflict_loses_nothing_and_the_first_publishes_with_a_note()
    {
        await host.PublishAsync(Key, 1, HostProcess.ShippedAs(Key));
        var first = await browser.SignedInAsync(host, "designer");
        var second = await OtherDesignerAsync();
        await Browser.OpenDefinitionAsync(first, host, Key);
        await Browser.OpenDefinitionAsync(second, host, Key);

        await first.GetByTestId("new-draft").ClickAsync();
        await EditJsonAsync(first, "\"P15D\"", "\"P10D\"");
        await first.GetByTestId("save-draft").ClickAsync();
        await first.GetByTestId("draft-state").GetByText("草稿已保存").WaitForAsync();

        await second.GetByTestId("new-draft").ClickAsync();
        await EditJsonAsync(second, "\"P15D\"", "\"P20D\"");
        await second.GetByTestId("save-draft").ClickAsync();
        await second.GetByTestId("conflict").WaitForAsync();
        await Browser.ScreenshotAsync(second, "studio-6-conflict");
        (await second.GetByTestId("json-editor").InputValueAsync()).Should().Contain("\"P20D\"", "the second designer's work is still in the editor");

        await second.GetByTestId("conflict-reload").ClickAsync();
        await Browser.OpenTabAsync(second, "JSON", second.GetByTestId("json-editor"));
        (await second.GetByTestId("json-editor").InputValueAsync()).Should().Contain("\"P10D\"", "reloading shows the first designer's saved draft");

        await first.GetByLabel("变更说明").FillAsync("验收期改为 10 天");
        await first.GetByTestId("publish").ClickAsync();
        await first.GetByText("已发布 v2").First.WaitForAsync();
        await Browser.OpenTabAsync(first, "画布", first.Locator("[data-stage=accepting]:visible"));
        (await first.Locator("[data-stage=accepting]:visible").GetByTestId("timer-badge").TextContentAsync()).Should().Be("10 天 → 自动验收通过");
        await Browser.OpenTabAsync(first, "版本", first.GetByTestId("version-note").Last);
        (await first.GetByTestId("version-note").Last.TextContentAsync()).Should().Be("验收期改为 10 天");
        await Browser.ScreenshotAsync(first, "studio-4-published");

        await using var check = TestDatabase.Context(host.ConnectionString);
        check.DefinitionVersions.Single(d => d.Key == Key && d.Version == 2).Note.Should().Be("验收期改为 10 天");
    }
}

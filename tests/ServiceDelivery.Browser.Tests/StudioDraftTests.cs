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
        await Browser.WaitForUrlAsync(page, new System.Text.RegularExpressions.Regex("^(?!.*/signin)"));
        return page;
    }

    private static async Task EditJsonAsync(IPage page, string from, string to)
    {
        await Browser.OpenJsonAsync(page);
        var text = await Browser.JsonTextAsync(page);
        text.Should().Contain(from);
        await Browser.SetJsonTextAsync(page, text.Replace(from, to, StringComparison.Ordinal));
        await page.GetByTestId("draft-state").GetByText("有未保存的修改").WaitForAsync(); // the page has the edit
    }

    [Fact]
    public async Task A_saved_draft_shows_on_the_other_designers_page_live_a_save_under_their_edits_is_a_conflict_that_loses_nothing()
    {
        var shipped = HostProcess.ShippedAs(Key);
        await host.PublishAsync(Key, 1, shipped);
        var first = await browser.SignedInAsync(host, "designer");
        var second = await OtherDesignerAsync();
        await Browser.OpenDefinitionAsync(first, host, Key);
        await Browser.OpenDefinitionAsync(second, host, Key);

        // The first designer saves a draft: the second sees it without reloading.
        await first.GetByTestId("new-draft").ClickAsync();
        await EditJsonAsync(first, "\"P15D\"", "\"P10D\"");
        await first.GetByTestId("save-draft").ClickAsync();
        await first.GetByTestId("draft-state").GetByText("草稿已保存").WaitForAsync();
        await second.Locator("[data-testid=stage][data-stage=accepting]:visible").GetByText("10 天 → 自动验收通过").WaitForAsync(new() { Timeout = 5000 });

        // The second edits the draft; meanwhile a third designer saves over the API. The second is told at once,
        // before saving, and keeps their text.
        await EditJsonAsync(second, "\"P10D\"", "\"P20D\"");
        await host.SaveDraftAsync(Key, shipped.Replace("\"P15D\"", "\"P12D\"", StringComparison.Ordinal));
        await second.GetByTestId("conflict").WaitForAsync(new() { Timeout = 5000 });
        await Browser.ScreenshotAsync(second, "studio-6-conflict");
        (await Browser.JsonTextAsync(second)).Should().Contain("\"P20D\"", "the second designer's work is still in the editor");

        await second.GetByTestId("conflict-reload").ClickAsync();
        await Browser.JsonContainsAsync(second, "\"P12D\"");
        // The editor's text and the state line come in separate renders: wait for the line rather than read it once.
        await second.GetByTestId("draft-state").Filter(new() { HasText = "第 2 次" }).WaitForAsync(new() { Timeout = 5000 }); // reloading shows the draft saved last

        // The first designer had nothing unsaved: their page followed along and can publish what is there.
        await Browser.OpenTabAsync(first, "画布", first.Locator("[data-testid=stage][data-stage=accepting]:visible"));
        await first.Locator("[data-testid=stage][data-stage=accepting]:visible").GetByText("12 天 → 自动验收通过").WaitForAsync(new() { Timeout = 5000 });
        await first.GetByLabel("变更说明").FillAsync("验收期改为 12 天");
        await first.GetByTestId("publish").ClickAsync();
        await first.GetByText("已发布 v2").First.WaitForAsync();
        await Browser.OpenTabAsync(first, "版本", first.GetByTestId("version-note").Last);
        (await first.GetByTestId("version-note").Last.TextContentAsync()).Should().Be("验收期改为 12 天");
        (await first.GetByTestId("version-publisher").Last.TextContentAsync()).Should().Be("赵六（流程设计）", "a version names the person who published it, not an id");
        await Browser.ScreenshotAsync(first, "studio-4-published");

        await using var check = TestDatabase.Context(host.ConnectionString);
        check.DefinitionVersions.Single(d => d.Key == Key && d.Version == 2).Note.Should().Be("验收期改为 12 天");
    }
}

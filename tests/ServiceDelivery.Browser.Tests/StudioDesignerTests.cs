using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>
/// What a process designer meets first in the Studio, checked the way they meet it: a duration typed in words, a drag
/// that must not select the page's text, a draft left from yesterday to compare, a form field added and taken away,
/// and the side panel in English.
/// </summary>
public sealed class StudioDesignerTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    private static ILocator Stage(IPage page, string key) => page.Locator($"[data-testid=stage][data-stage={key}]:visible");

    [Fact]
    public async Task A_duration_typed_as_words_is_explained_with_its_shape_in_chinese_and_in_english()
    {
        var page = await browser.NewDraftAsync(host, "designer-duration", 1440, 900);

        await Stage(page, "accepting").ClickAsync();
        var after = page.Locator("[data-timer=auto_accept] [data-testid=timer-after]");
        await after.FillAsync("10 days");
        await after.PressAsync("Tab");

        var problems = page.GetByTestId("problems");
        await problems.WaitForAsync();
        var zh = await problems.InnerTextAsync();
        zh.Should().Contain("待验收").And.Contain("P10D 表示 10 天").And.NotContain("Required properties");
        (await Browser.QuotesWidthInEmsAsync(problems)).Should().BeGreaterThan(1.6, "Chinese keeps its full-width quotes");
        await Browser.ScreenshotAsync(page, "studio-designer-duration-zh");

        // Straight to English, before the autosave: the edit goes along.
        (await page.GetByTestId("draft-state").InnerTextAsync()).Should().Be("有未保存的修改");

        await page.GetByTestId("lang-en").ClickAsync();
        await page.Locator("html[lang=en]").WaitForAsync();
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Assertions.Expect(page.GetByTestId("problems")).ToContainTextAsync("P10D (10 days)");
        (await page.GetByTestId("problem-count").InnerTextAsync()).Should().Be("1 problem", "English counts in words, not “problem(s)”");
        (await page.GetByTestId("problems").InnerTextAsync()).Should().Contain("Awaiting acceptance").And.NotContain("Required properties");
        (await Browser.QuotesWidthInEmsAsync(page.GetByTestId("problems"))).Should().BeLessThan(1.2, "English quotes are Latin, not the CJK font's full-width ones");
        await Browser.ScreenshotAsync(page, "studio-designer-duration-en");
    }

    [Fact]
    public async Task Dragging_a_stage_or_a_new_action_across_the_page_selects_no_text_in_a_draft_or_a_published_version()
    {
        const string Key = "designer-drag";
        var page = await browser.NewDraftAsync(host, Key, 1440, 900);
        const string Selected = "() => (window.getSelection() || '').toString()";

        // A stage dragged over the side panel's text and back.
        async Task DragOverTextAsync(ILocator from)
        {
            await page.Locator("[data-testid=canvas][data-drag-ready=true]:visible").WaitForAsync();
            // The press waits until the element stands still and is what the pointer would hit: a box read while the
            // draft's toolbar and hint were still appearing put the press on the text above the canvas (a CI run).
            var box = (await from.BoundingBoxAsync())!;
            for (var tries = 0; tries < 50; tries++)
            {
                await Task.Delay(100);
                var again = (await from.BoundingBoxAsync())!;
                var still = again.X == box.X && again.Y == box.Y;
                box = again;
                if (still && await page.EvaluateAsync<bool>("([x, y]) => !!document.elementFromPoint(x, y)?.closest('g.stage')", new[] { (double)(box.X + box.Width / 2), (double)(box.Y + box.Height / 2) }))
                {
                    break;
                }
            }

            var side = (await page.Locator(".studio-side").BoundingBoxAsync())!;
            await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(side.X + 40, side.Y + 60, new() { Steps = 8 });
            await page.Mouse.MoveAsync(side.X + side.Width - 20, side.Y + 300, new() { Steps = 8 });
            (await page.EvaluateAsync<string>(Selected)).Should().BeEmpty("holding a stage selects no text");
            await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2, new() { Steps = 8 });
            await page.Mouse.UpAsync();
        }

        await DragOverTextAsync(Stage(page, "requirement_pending").Locator("rect"));
        (await page.EvaluateAsync<string>(Selected)).Should().BeEmpty();
        await DragOverTextAsync(Stage(page, "requirement_pending").GetByTestId("connect-handle"));
        (await page.EvaluateAsync<string>(Selected)).Should().BeEmpty("drawing an action selects no text");

        // The published version: nothing to move, and still nothing selected.
        await page.GetByTestId("show-version").GetByText("v1").ClickAsync();
        await page.Locator("[data-testid=canvas][data-editable=false]:visible").WaitForAsync();
        await DragOverTextAsync(Stage(page, "implementing").Locator("rect"));
        (await page.EvaluateAsync<string>(Selected)).Should().BeEmpty("a read-only canvas selects no text either");
    }

    [Fact]
    public async Task Compare_opens_on_a_draft_saved_earlier_against_the_newest_version_and_names_assignees_in_words()
    {
        const string Key = "designer-compare";
        var shipped = HostProcess.ShippedAs(Key);
        await host.PublishAsync(Key, 1, shipped);
        await host.PublishAsync(Key, 2, shipped, "第二版");
        var draft = JsonNode.Parse(shipped)!.AsObject();
        draft["stages"]!.AsArray().OfType<JsonObject>().Single(s => (string?)s["key"] == "implementing")["assignees"] = new JsonArray("provider", "platform");
        await host.SaveDraftAsync(Key, draft.ToJsonString());

        var page = await browser.SignedInAsync(host, "designer");
        await page.SetViewportSizeAsync(1440, 900);
        await Browser.OpenDefinitionAsync(page, host, Key);
        await Browser.OpenTabAsync(page, "对比", page.GetByTestId("compare-from"));

        await Assertions.Expect(page.GetByTestId("compare-to")).ToHaveValueAsync("draft");
        (await page.GetByTestId("compare-from").InputValueAsync()).Should().Be("2");
        var changes = string.Join('\n', await page.GetByTestId("change").AllInnerTextsAsync());
        changes.Should().Contain("实施中").And.Contain("服务商、平台").And.NotContain("[\"");
        await Browser.ScreenshotAsync(page, "studio-designer-compare-draft");

        // These versions were stored without the publisher's name (as before names were kept): no bare sign-in id.
        await Browser.OpenTabAsync(page, "版本", page.GetByTestId("version-publisher").First);
        (await page.GetByTestId("version-publisher").AllInnerTextsAsync()).Should().OnlyContain(p => p.StartsWith("未记录姓名", StringComparison.Ordinal));
        await Browser.ScreenshotAsync(page, "studio-designer-versions");
    }

    [Fact]
    public async Task A_form_field_is_added_and_deleted_in_the_inspector_and_the_side_panel_fits_in_english()
    {
        var page = await browser.NewDraftAsync(host, "designer-fields", 1440, 900);
        await page.Locator("[data-testid=edge][data-action=submit_requirement][data-from=requirement_pending]:visible .edge-label").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("提交需求").WaitForAsync();
        var fields = await page.GetByTestId("field").CountAsync();

        await page.GetByTestId("add-field").ClickAsync();
        await Assertions.Expect(page.GetByTestId("field")).ToHaveCountAsync(fields + 1);
        await page.Locator("[data-testid=field][data-field=field1] [data-testid=delete-field]").ClickAsync();
        await Assertions.Expect(page.GetByTestId("field")).ToHaveCountAsync(fields);
        await Browser.OpenJsonAsync(page);
        (await Browser.JsonTextAsync(page)).Should().NotContain("\"field1\"");
        await Browser.OpenTabAsync(page, "画布", page.GetByTestId("add-field"));

        // An action drawn from the palette has no form: one click gives it one, with a first field to rename.
        await Stage(page, "implementing").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("实施中").WaitForAsync();
        await page.GetByTestId("palette-action").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("新动作").WaitForAsync();
        (await page.GetByTestId("field").CountAsync()).Should().Be(0);

        // It stays on 实施中 for now, a second loop beside 更新进度: neither loop's line runs through the other's label.
        var crossings = await page.Locator("[data-testid=canvas]:visible").EvaluateAsync<string[]>("""
            svg => {
                const loops = ['post_progress', 'action'].map(a => svg.querySelector(`[data-testid=edge][data-action=${a}][data-from=implementing]`));
                const faults = [];
                for (const line of loops) for (const other of loops) {
                    if (line === other) continue;
                    const path = line.querySelector('path'), box = other.querySelector('[data-testid=edge-label]').getBBox();
                    for (let l = 0; l <= path.getTotalLength(); l += 2) {
                        const p = path.getPointAtLength(l);
                        if (p.x > box.x + 1 && p.x < box.x + box.width - 1 && p.y > box.y + 1 && p.y < box.y + box.height - 1) { faults.push(line.dataset.action + ' crosses the label of ' + other.dataset.action); break; }
                    }
                }
                return faults;
            }
            """);
        crossings.Should().BeEmpty();
        await page.GetByTestId("add-form").ClickAsync();
        await Assertions.Expect(page.GetByTestId("field")).ToHaveCountAsync(1);
        await page.GetByTestId("field-name-zh").FillAsync("备注");
        await page.GetByTestId("field-name-zh").PressAsync("Tab");
        await Browser.OpenJsonAsync(page);
        await Browser.JsonContainsAsync(page, "\"form\": \"action\"");
        await Browser.JsonContainsAsync(page, "备注");
        await Browser.OpenTabAsync(page, "画布", page.GetByTestId("add-field"));
        await Browser.ScreenshotAsync(page, "studio-designer-new-form");

        // In English every box stays inside the side panel.
        await page.GetByTestId("save-draft").ClickAsync();
        await page.GetByTestId("draft-state").GetByText("草稿已保存").WaitForAsync();
        await page.GetByTestId("lang-en").ClickAsync();
        await page.Locator("html[lang=en]").WaitForAsync();
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await page.Locator("[data-testid=edge][data-action=submit_requirement][data-from=requirement_pending]:visible .edge-label").ClickAsync();
        await page.GetByTestId("add-field").WaitForAsync();
        var outside = await page.Locator(".studio-side").EvaluateAsync<string[]>(Outside);
        outside.Should().BeEmpty();
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= innerWidth")).Should().BeTrue("nothing is wider than the window");
        await Browser.ScreenshotAsync(page, "studio-designer-fields-en");

        // The 30-stage process: its initial-stage list holds long English names.
        const string Large = "designer-large";
        await host.PublishAsync(Large, 1, LargeProcess.Json(30).Replace("\"large-process\"", $"\"{Large}\"", StringComparison.Ordinal));
        await Browser.OpenDefinitionAsync(page, host, Large);
        await page.GetByTestId("initial-stage").WaitForAsync();
        (await page.Locator(".studio-side").EvaluateAsync<string[]>(Outside)).Should().BeEmpty();
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= innerWidth")).Should().BeTrue("nothing is wider than the window");
        await Browser.ScreenshotAsync(page, "studio-designer-large-side-en");
    }

    // Every box in the side panel that sticks out of it.
    private const string Outside = """
        side => {
            const r = side.getBoundingClientRect();
            return [...side.querySelectorAll('input, select, textarea, button')].filter(e => e.offsetParent)
                .filter(e => { const b = e.getBoundingClientRect(); return b.left < r.left - 1 || b.right > r.right + 1; })
                .map(e => (e.dataset.testid || e.tagName) + ' ' + Math.round(e.getBoundingClientRect().right) + ' > ' + Math.round(r.right));
        }
        """;
}

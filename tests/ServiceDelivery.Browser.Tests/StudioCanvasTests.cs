using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>
/// The canvas as a designer reads it, measured in the browser (the drawn text, not the server's estimate): names inside
/// their stages, labels clear of stages and of each other, type large enough to read, in Chinese and in English, for
/// the shipped process and a 30-stage one; edits that leave the designer's map alone; problems marked on the canvas.
/// </summary>
public sealed class StudioCanvasTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    private static ILocator Stage(IPage page, string key) => page.Locator($"[data-testid=stage][data-stage={key}]:visible");

    // What the browser drew, in canvas units: every overlap, every name running out of its stage, and the smallest type.
    private const string Measure = """
        svg => {
            const scale = svg.getScreenCTM().a;
            const inter = (a, b) => a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1 && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1;
            const stages = [...svg.querySelectorAll('[data-testid=stage]')].map(g => ({ key: g.dataset.stage, box: g.querySelector('rect.node').getBBox(), name: g.querySelector('.node-name').getBBox() }));
            const labels = [...svg.querySelectorAll('[data-testid=edge]')].map(g => ({ key: g.dataset.action + ' from ' + g.dataset.from, box: g.querySelector('[data-testid=edge-label]').getBBox() }));
            const faults = [];
            for (const s of stages) {
                const n = s.name, b = s.box;
                if (n.x < b.x + 2 || n.x + n.width > b.x + b.width - 2 || n.y < b.y || n.y + n.height > b.y + b.height) faults.push('the name of ' + s.key + ' runs out of its stage');
            }
            labels.forEach((l, i) => {
                for (const s of stages) if (inter(l.box, s.box)) faults.push('the label of ' + l.key + ' covers the stage ' + s.key);
                labels.slice(i + 1).forEach(o => { if (inter(l.box, o.box)) faults.push('the label of ' + l.key + ' covers the label of ' + o.key); });
            });
            const sizes = [...svg.querySelectorAll('text, tspan')].filter(t => t.textContent.trim().length > 0).map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
            return { faults, smallest: Math.min(...sizes), stages: stages.length };
        }
        """;

    private sealed class Drawing
    {
        public string[] Faults { get; set; } = [];

        public double Smallest { get; set; }

        public int Stages { get; set; }
    }

    public static TheoryData<string, string> Processes => new()
    {
        { "shipped", "zh" },
        { "shipped", "en" },
        { "large", "zh" },
        { "large", "en" },
    };

    [Theory]
    [MemberData(nameof(Processes))]
    public async Task The_canvas_opens_at_full_size_with_every_name_and_label_readable_and_clear_of_the_others(string which, string language)
    {
        var key = $"canvas-{which}-{language}";
        await host.PublishAsync(key, 1, which == "shipped" ? HostProcess.ShippedAs(key) : LargeProcess.Json(30).Replace("\"large-process\"", $"\"{key}\"", StringComparison.Ordinal));
        var page = await browser.SignedInAsync(host, "designer");
        await page.SetViewportSizeAsync(1440, 900);
        await Browser.OpenDefinitionAsync(page, host, key);
        if (language == "en")
        {
            await page.GetByTestId("lang-en").ClickAsync();
            await page.Locator("html[lang=en]").WaitForAsync();
            await page.Locator("[data-interactive=true]").WaitForAsync();
        }

        var canvas = page.Locator("[data-testid=canvas]:visible");
        var drawing = await canvas.EvaluateAsync<Drawing>(Measure);

        // The tab says where one is, with the service's icon.
        (await page.TitleAsync()).Should().EndWith(language == "en" ? " · Studio" : " · 流程设计室");
        var icon = await page.Locator("link[rel=icon]").GetAttributeAsync("href");
        var served = await page.APIRequest.GetAsync(host.BaseUrl + "/" + icon);
        served.Status.Should().Be(200);
        served.Headers["content-type"].Should().StartWith("image/svg+xml");
        (await page.APIRequest.GetAsync(host.BaseUrl + "/favicon.ico")).Url.Should().EndWith(icon!, "what asks for /favicon.ico is sent to the same icon");

        drawing.Stages.Should().Be(which == "shipped" ? 9 : 30);
        drawing.Faults.Should().BeEmpty();
        drawing.Smallest.Should().BeGreaterThanOrEqualTo(11, "the canvas opens at 100 %: no text under 11 px");
        (await page.Locator("[data-testid=canvas-zoom]:visible").InnerTextAsync()).Should().Be("100 %");
        var scroller = (await page.Locator(".canvas-scroll:visible").BoundingBoxAsync())!;
        scroller.Height.Should().BeGreaterThan(900 - 330, "the canvas takes the window's height");
        await Browser.ScreenshotAsync(page, $"studio-canvas-{which}-{language}");

        // "Fit" shrinks a large process only as far as it stays readable; the rest scrolls.
        await page.Locator("[data-testid=fit]:visible").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=canvas-zoom]:visible")).Not.ToHaveTextAsync("100 %");
        (await canvas.EvaluateAsync<Drawing>(Measure)).Smallest.Should().BeGreaterThanOrEqualTo(10.95, "fitted, no text under 11 px either");
    }

    [Fact]
    public async Task Adding_a_stage_and_an_action_moves_nothing_already_drawn_problems_are_marked_on_the_canvas_and_empty_canvas_deselects()
    {
        const string key = "canvas-stable";
        await host.PublishAsync(key, 1, HostProcess.ShippedAs(key));
        var page = await browser.SignedInAsync(host, "designer");
        await Browser.OpenDefinitionAsync(page, host, key);
        await page.GetByTestId("new-draft").ClickAsync();
        await page.GetByTestId("undo").WaitForAsync();
        var before = await Corners(page);

        // A review step in front of the provider's confirmation: the automatic layout would shift every later column.
        await page.GetByTestId("add-stage-form").Locator("summary").ClickAsync();
        await page.GetByTestId("new-stage-key").FillAsync("reviewing");
        await page.GetByTestId("new-stage-name").FillAsync("待复核");
        await page.GetByTestId("new-stage-add").ClickAsync();
        await Stage(page, "reviewing").WaitForAsync();
        var scroller = (await page.Locator(".canvas-scroll:visible").BoundingBoxAsync())!;
        var added = (await Stage(page, "reviewing").Locator("rect").BoundingBoxAsync())!;
        (added.X + added.Width <= scroller.X + scroller.Width && added.Y + added.Height <= scroller.Y + scroller.Height).Should().BeTrue("a new stage appears in sight");
        await Stage(page, "requirement_pending").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("需求待提交").WaitForAsync();
        await Browser.AddActionAsync(page, "reviewing", "send_to_review", "送复核", "买家");
        await page.Locator("[data-testid=edge][data-action=send_to_review]:visible").WaitForAsync();

        // 待复核 leads nowhere: its problem is on the stage itself, and the count stays in sight.
        var badge = page.Locator("[data-testid=problem-badge][data-problem-stage=reviewing]:visible");
        await badge.WaitForAsync();
        (await badge.Locator("text").TextContentAsync()).Should().NotBe("0");
        (await page.GetByTestId("problem-count").InnerTextAsync()).Should().MatchRegex(@"^\d+ 个问题$");
        await Browser.ScreenshotAsync(page, "studio-canvas-problem-on-stage");

        // The way on, into the provider's confirmation: now every later column would shift right.
        await Stage(page, "reviewing").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("待复核").WaitForAsync();
        await Browser.AddActionAsync(page, "requirement_confirming", "review_passed", "复核通过", "平台");
        await page.Locator("[data-testid=edge][data-action=review_passed]:visible").WaitForAsync();

        var after = await Corners(page);
        foreach (var (stage, corner) in before)
        {
            after[stage].Should().Be(corner, $"{stage} stays where the designer saw it");
        }

        // Selected is the app's colour, not the red of a problem.
        await Stage(page, "reviewing").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("待复核").WaitForAsync();
        (await Stage(page, "reviewing").Locator("rect.node").EvaluateAsync<string>("r => getComputedStyle(r).stroke")).Should().Be("rgb(89, 74, 226)");
        await Browser.ScreenshotAsync(page, "studio-canvas-added-without-moving");

        // Empty canvas deselects.
        var empty = await page.Locator(".canvas-scroll:visible").EvaluateAsync<double[]>("""
            scroller => {
                const r = scroller.getBoundingClientRect();
                for (let y = r.top + 20; y < Math.min(r.bottom, innerHeight) - 20; y += 20)
                    for (let x = r.right - 40; x > r.left; x -= 40) {
                        const hit = document.elementFromPoint(x, y);
                        if (hit === scroller || hit?.tagName === 'svg') return [x, y];
                    }
                return null;
            }
            """);
        await page.Mouse.ClickAsync((float)empty[0], (float)empty[1]);
        await Assertions.Expect(page.GetByTestId("inspector-title")).ToHaveCountAsync(0);

        // Only "auto layout" rearranges everything.
        await page.GetByTestId("auto-layout").ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=stage][data-stage=requirement_confirming] rect').getAttribute('x') !== '" + before["requirement_confirming"].X + "'");
    }

    [Fact]
    public async Task The_palette_adds_stages_actions_and_timers_and_the_inspector_adds_and_deletes_timers_reminders_guards_and_mails_but_never_in_a_published_version()
    {
        const string key = "canvas-palette";
        await host.PublishAsync(key, 1, HostProcess.ShippedAs(key));
        var page = await browser.SignedInAsync(host, "designer");
        await Browser.OpenDefinitionAsync(page, host, key);

        // A published version is read-only: nothing on it offers to delete.
        await Stage(page, "accepting").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("待验收").WaitForAsync();
        (await page.GetByTestId("remove-offered").CountAsync()).Should().Be(0);
        (await page.GetByTestId("delete-timer").CountAsync()).Should().Be(0);
        (await page.GetByTestId("add-timer").CountAsync()).Should().Be(0);

        await page.GetByTestId("new-draft").ClickAsync();
        await page.GetByTestId("undo").WaitForAsync();

        // Palette: a stage, named for renaming and selected; then an action of it, selected too.
        await page.GetByTestId("palette-stage").ClickAsync();
        await Stage(page, "stage").WaitForAsync();
        await page.GetByTestId("inspector-title").GetByText("新阶段").WaitForAsync();
        await page.GetByTestId("palette-action").ClickAsync();
        await page.Locator("[data-testid=edge][data-action=action][data-from=stage]:visible").WaitForAsync();
        await page.GetByTestId("inspector-title").GetByText("新动作").WaitForAsync();

        // Timers and reminders without the JSON box.
        await Stage(page, "accepting").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("待验收").WaitForAsync();
        await page.GetByTestId("add-timer").ClickAsync();
        await page.Locator("[data-testid=timer][data-timer=timer]").WaitForAsync();
        (await page.Locator("[data-timer=timer] [data-testid=timer-after]").InputValueAsync()).Should().Be("P3D");
        await page.GetByTestId("add-reminder").ClickAsync();
        await page.Locator("[data-testid=timer][data-timer=reminder]").WaitForAsync();
        await page.Locator("[data-timer=timer] [data-testid=delete-timer]").ClickAsync();
        await page.Locator("[data-testid=timer][data-timer=timer]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        (await page.Locator("[data-testid=timer]").CountAsync()).Should().Be(4, "auto_accept, its two reminders and the new reminder stay");
        (await page.Locator("[data-timer=auto_accept] .inspector-hint").EvaluateAsync<string>("e => getComputedStyle(e).color")).Should().NotBe("rgb(191, 54, 12)", "a hint is not an error");

        // Guards and mails of an action, ticked and picked.
        await Stage(page, "requirement_confirming").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("需求待确认").WaitForAsync();
        // A stage's mails on entry too (onEnter.notify).
        (await page.GetByTestId("notify-rule").CountAsync()).Should().Be(0);
        await page.GetByTestId("notify-form").Locator("summary").ClickAsync();
        await page.GetByTestId("notify-form").GetByLabel("服务商").CheckAsync();
        await page.GetByTestId("notify-template").SelectOptionAsync("requirement_submitted");
        await page.GetByTestId("notify-add").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notify-rule")).ToHaveCountAsync(1);
        (await page.GetByTestId("notify-rule").InnerTextAsync()).Should().Contain("服务商").And.Contain("requirement_submitted");
        await page.GetByTestId("offered-action").GetByText("申请退款").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("申请退款").WaitForAsync();
        var rules = await page.GetByTestId("notify-rule").CountAsync();
        await page.GetByTestId("notify-form").Locator("summary").ClickAsync();
        await page.GetByTestId("notify-form").GetByLabel("服务商").CheckAsync();
        await page.GetByTestId("notify-template").SelectOptionAsync("refund_requested");
        await page.GetByTestId("notify-add").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notify-rule")).ToHaveCountAsync(rules + 1);
        await page.GetByTestId("delete-notify").Last.ClickAsync();
        await Assertions.Expect(page.GetByTestId("notify-rule")).ToHaveCountAsync(rules);
        var guard = page.Locator("[data-guard=invoice_none_or_returned]");
        var was = await guard.IsCheckedAsync();
        await guard.ClickAsync();
        await Assertions.Expect(guard).ToBeCheckedAsync(new() { Checked = !was });
        await Browser.ScreenshotAsync(page, "studio-canvas-palette-and-inspector");
    }

    [Theory]
    [InlineData("zh")]
    [InlineData("en")]
    public async Task On_a_phone_the_studio_stacks_its_panels_and_nothing_is_wider_than_the_screen_and_at_1280_every_tab_shows(string language)
    {
        var key = "canvas-phone-" + language;
        await host.PublishAsync(key, 1, HostProcess.ShippedAs(key), "第一版");
        var page = await browser.SignedInAsync(host, "designer");
        await Browser.OpenDefinitionAsync(page, host, key);
        if (language == "en")
        {
            await page.GetByTestId("lang-en").ClickAsync();
            await page.Locator("html[lang=en]").WaitForAsync();
            await page.Locator("[data-interactive=true]").WaitForAsync();
        }

        // 1280 px: every tab in sight.
        await page.SetViewportSizeAsync(1280, 800);
        var bar = (await page.Locator(".mud-tabs-tabbar").First.BoundingBoxAsync())!;
        foreach (var tab in await page.GetByRole(AriaRole.Tab).AllAsync())
        {
            var box = (await tab.BoundingBoxAsync())!;
            (box.X >= bar.X - 1 && box.X + box.Width <= bar.X + bar.Width + 1).Should().BeTrue($"the tab “{await tab.InnerTextAsync()}” shows at 1280 px ({box.X}+{box.Width} in {bar.X}+{bar.Width}; {await tab.GetAttributeAsync("class")})");
        }

        // 390 px: the side panel goes under the canvas, the header wraps, the canvas scrolls inside itself.
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForFunctionAsync("() => document.documentElement.scrollWidth <= innerWidth");
        var canvas = (await page.Locator(".canvas-scroll:visible").BoundingBoxAsync())!;
        var side = (await page.Locator(".studio-side").BoundingBoxAsync())!;
        side.Y.Should().BeGreaterThan(canvas.Y + canvas.Height - 1, "the inspector is under the canvas, not beside it");
        side.Width.Should().BeGreaterThan(300);
        foreach (var tab in await page.GetByRole(AriaRole.Tab).AllAsync())
        {
            var box = (await tab.BoundingBoxAsync())!;
            (box.X >= 0 && box.X + box.Width <= 390).Should().BeTrue($"the tab “{await tab.InnerTextAsync()}” is in sight on a phone (the tabs wrap)");
        }

        var label = (await page.GetByTestId("showing-label").BoundingBoxAsync())!;
        var versionSwitch = (await page.GetByTestId("version-switch").BoundingBoxAsync())!;
        Math.Abs(label.Y + label.Height / 2 - (versionSwitch.Y + versionSwitch.Height / 2)).Should().BeLessThan(8, "“showing:” stays beside the versions it labels");
        await Browser.ScreenshotAsync(page, $"studio-phone-canvas-{language}");

        // The versions read as cards: every cell as wide as the card, none a sliver.
        await Browser.OpenTabAsync(page, language == "en" ? "Versions" : "版本", page.GetByTestId("version-note").First);
        var widths = await page.Locator(".versions-table td").EvaluateAllAsync<double[]>("cells => cells.filter(c => c.offsetParent).map(c => c.getBoundingClientRect().width)");
        widths.Should().NotBeEmpty().And.OnlyContain(w => w > 200, "no one-character columns on a phone");
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= innerWidth")).Should().BeTrue();
        await Browser.ScreenshotAsync(page, $"studio-phone-versions-{language}");

        // The list of definitions on a phone.
        await page.GotoAsync(host.BaseUrl + "/studio");
        await page.GetByTestId("definitions").WaitForAsync();
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= innerWidth")).Should().BeTrue();
        var unlabelled = await page.Locator("[data-testid=definitions] td").EvaluateAllAsync<int>(
            "cells => cells.filter(c => c.offsetParent && c.textContent.trim() && !c.querySelector('a, button') && !c.dataset.label).length");
        unlabelled.Should().Be(0, "every value on a definition's card says what it is");
        await Browser.ScreenshotAsync(page, $"studio-phone-list-{language}");
    }

    private static async Task<Dictionary<string, (string X, string Y)>> Corners(IPage page)
    {
        var corners = await page.Locator("[data-testid=canvas]:visible").EvaluateAsync<string[][]>(
            "svg => [...svg.querySelectorAll('[data-testid=stage]')].map(g => [g.dataset.stage, g.querySelector('rect').getAttribute('x'), g.querySelector('rect').getAttribute('y')])");
        return corners.ToDictionary(c => c[0], c => (c[1], c[2]));
    }
}

using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>The operations console as the platform uses it, in Chromium against the real host with the demo data.</summary>
public sealed class ConsoleTests(ConsoleHost host, Browser browser) : IClassFixture<ConsoleHost>, IClassFixture<Browser>
{
    private const string Key = "manual-service-delivery";
    private static readonly string[] ToAccepting = ["submit_requirement", "confirm_requirement", "submit_for_acceptance"];

    private async Task<IPage> ConsoleAsync(string path)
    {
        var page = await browser.SignedInAsync(host, "platform");
        await page.GotoAsync(host.BaseUrl + path);
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        return page;
    }

    private static string Order(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    [Fact]
    public async Task The_overview_counts_every_stage_as_the_database_does_and_lists_an_auto_acceptance_due_in_ten_hours()
    {
        var due = await host.StartDeliveryAsync(Key, Order("DUE"), ToAccepting);
        await using (var db = TestDatabase.Context(host.ConnectionString))
        {
            // Fourteen days and fourteen hours into acceptance: the clock the engine started falls due in ten hours.
            await db.Database.ExecuteSqlAsync($"UPDATE timers SET due_at = now() + interval '10 hours' WHERE delivery_id = {due} AND key = 'auto_accept'");
        }

        var page = await ConsoleAsync("/console");
        await page.GetByTestId("due-soon").Locator($"[data-delivery='{due}']").WaitForAsync();

        await using var check = TestDatabase.Context(host.ConnectionString);
        var version = int.Parse((await SelectedAsync(page, "heat-version")).Split(' ')[0][1..], System.Globalization.CultureInfo.InvariantCulture);
        var onVersion = check.Deliveries.Where(d => d.DefinitionKey == Key && d.DefinitionVersion == version);
        var expected = await onVersion.Where(d => d.Status == "active" || d.Status == "paused").GroupBy(d => d.Stage).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        expected.Should().NotBeEmpty("the demo data runs on the version shown");
        var shown = await StageCountsAsync(page);
        shown.Where(s => s.Value > 0).Should().BeEquivalentTo(expected, "every stage's count of deliveries under way on the graph is the database's");
        shown.Keys.Should().NotContain(["completed", "refunded", "closed"], "finished deliveries are no heat");
        var finished = await onVersion.Where(d => d.Status == "completed" || d.Status == "refunded" || d.Status == "closed").GroupBy(d => d.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        finished.Should().ContainKeys("refunded", "closed"); // the demo data is there
        foreach (var (status, count) in finished)
        {
            (await page.Locator($"[data-testid=finished-total][data-status={status}]").InnerTextAsync()).Should().EndWith(" " + count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), "finished deliveries are totals under the graph");
        }

        var dueSoon = await check.Timers.CountAsync(t => t.State == "running" && t.Key == "auto_accept" && t.DueAt <= DateTimeOffset.UtcNow.AddHours(24));
        dueSoon.Should().BeGreaterThan(0, "the delivery due in ten hours is among them");
        (await page.GetByTestId("stat-due-soon").Locator(".stat-value").InnerTextAsync()).Should().Be(dueSoon.ToString(System.Globalization.CultureInfo.InvariantCulture), "the tile counts what the database holds");
        await Browser.ScreenshotAsync(page, "console-1-overview");
    }

    private static Task<string> SelectedAsync(IPage page, string testId) => page.EvaluateAsync<string>(
        "id => { const el = document.querySelector(`[data-testid=${id}]`); return (el.matches('input') ? el : el.querySelector('input')).value; }", testId);

    private static async Task<Dictionary<string, int>> StageCountsAsync(IPage page)
    {
        var shown = new Dictionary<string, int>();
        foreach (var badge in await page.Locator("[data-testid=stage-count]").AllAsync())
        {
            shown[(await badge.GetAttributeAsync("data-stage"))!] = int.Parse((await badge.GetAttributeAsync("data-count"))!, System.Globalization.CultureInfo.InvariantCulture);
        }

        return shown;
    }

    [Fact]
    public async Task The_heat_map_opens_on_the_version_with_the_most_deliveries_under_way_not_a_newer_empty_one_and_the_operator_can_choose()
    {
        await using var check = TestDatabase.Context(host.ConnectionString);
        var latest = await check.DefinitionVersions.Where(v => v.Key == Key).MaxAsync(v => v.Version);
        var json = await check.DefinitionVersions.Where(v => v.Key == Key && v.Version == latest).Select(v => v.Json).SingleAsync();
        var busiest = await check.Deliveries.Where(d => d.DefinitionKey == Key && (d.Status == "active" || d.Status == "paused"))
            .GroupBy(d => d.DefinitionVersion).Select(g => new { Version = g.Key, Count = g.Count() }).OrderByDescending(g => g.Count).FirstAsync();
        await host.PublishAsync(Key, latest + 1, json, "无人运行的新版本");
        var empty = latest + 1;

        var page = await ConsoleAsync("/console");
        await page.GetByTestId("stage-count").First.WaitForAsync();
        (await SelectedAsync(page, "heat-version")).Should().Be($"v{busiest.Version} · 进行中 {busiest.Count:N0}", "the newer version runs nothing, so the busiest one is shown");
        (await StageCountsAsync(page)).Values.Sum().Should().Be(busiest.Count);
        (await page.GetByTestId("active-total").InnerTextAsync()).Should().Be(busiest.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        await Browser.ScreenshotAsync(page, "console-1b-heat-busiest");

        await Browser.ChooseAsync(page, "heat-version", $"v{empty} · 进行中 0");
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=active-total]')?.textContent === '0'");
        (await StageCountsAsync(page)).Values.Should().OnlyContain(c => c == 0, "nothing runs on the new version");
        (await page.GetByTestId("finished-totals").InnerTextAsync()).Should().Contain($"v{empty} 已结束").And.Contain("已完成 0");
        await Browser.ScreenshotAsync(page, "console-1c-heat-empty-version");
    }

    [Fact]
    public async Task A_filter_by_provider_and_stage_saved_on_the_server_opens_from_its_link_with_the_same_rows_and_exports_them_as_csv()
    {
        var provider = new HostApi.Provider("p-filter-" + Guid.NewGuid().ToString("N")[..6], "筛选测试服务商", "ops@filter.example");
        var implementing = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var order = Order("FLT");
            implementing.Add(order);
            await host.StartDeliveryAsync(Key, order, provider, "submit_requirement", "confirm_requirement");
        }

        var page = await ConsoleAsync("/console/deliveries");
        await PickPartyAsync(page, "filter-provider", "筛选测试", provider.Id);
        await Browser.ChooseAsync(page, "filter-stage", "实施中");
        await page.Keyboard.PressAsync("Escape"); // the multi-select stays open for more stages

        // A delivery starts before the operator applies (same provider, another stage): the list follows it live
        // and the filters being edited stay as they are.
        var other = Order("FLT-OTHER");
        await host.StartDeliveryAsync(Key, other, provider, "submit_requirement");
        await page.Locator($"[data-testid=delivery-row][data-order='{other}']").WaitForAsync();
        (await InputValueAsync(page, "filter-provider")).Should().Be($"筛选测试服务商 ({provider.Id})");
        (await InputValueAsync(page, "filter-stage")).Should().Be("实施中");
        await page.GetByTestId("apply").ClickAsync();
        await Browser.WaitForUrlAsync(page, "providerId=" + provider.Id, "stage=implementing");
        var rows = page.GetByTestId("delivery-row");
        await Expect(rows, 3);
        var listed = await OrdersAsync(page);
        listed.Should().BeEquivalentTo(implementing);

        (await page.GetByTestId("filters").GetAttributeAsync("data-expanded")).Should().Be("false", "an applied filter folds the panel into chips");
        await page.GetByTestId("filter-name").FillAsync("筛选测试：实施中");
        await page.GetByTestId("save-filter").ClickAsync();
        await Browser.WaitForUrlAsync(page, "saved=");
        await page.GetByTestId("saved-banner").WaitForAsync();
        await Browser.ScreenshotAsync(page, "console-2-filtered-saved");

        // Another operator opens the link.
        var colleague = await browser.SignedInAsync(host, "platform");
        await colleague.GotoAsync(page.Url);
        await colleague.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        await Expect(colleague.GetByTestId("delivery-row"), 3);
        (await OrdersAsync(colleague)).Should().Equal(listed, "the saved filter's link gives the same rows in the same order");

        var href = await colleague.GetByTestId("export-csv").GetAttributeAsync("href");
        var csv = await colleague.APIRequest.GetAsync(host.BaseUrl + href);
        csv.Status.Should().Be(200);
        csv.Headers["content-type"].Should().StartWith("text/csv");
        var lines = (await csv.TextAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines[0].Should().StartWith("订单号,");
        lines.Skip(1).Select(l => l.Split(',')[0]).Should().Equal(listed, "the export has the rows of the list");

        // Times as the console shows them (China time, named in the title), the revision not called a version.
        var header = lines[0].Split(',');
        header.Should().Contain("修订号").And.NotContain("版本");
        var createdColumn = Array.IndexOf(header, "创建时间（北京时间 UTC+8）");
        createdColumn.Should().BePositive();
        await using var db = TestDatabase.Context(host.ConnectionString);
        var first = await db.Deliveries.AsNoTracking().SingleAsync(d => d.OrderId == listed[0]);
        lines[1].Split(',')[createdColumn].Should().Be(first.CreatedAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Provider_and_buyer_are_found_by_name_several_stages_filter_at_once_and_the_folded_panel_shows_removable_chips_that_saved_links_and_csv_keep()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var provider = new HostApi.Provider("p-pick-" + tag, "联调科技" + tag, "ops@pick.example");
        var implementing = await host.StartDeliveryAsync(Key, Order("PICK-I"), provider, "submit_requirement", "confirm_requirement");
        var accepting = await host.StartDeliveryAsync(Key, Order("PICK-A"), provider, ToAccepting);
        await host.StartDeliveryAsync(Key, Order("PICK-C"), provider, "submit_requirement");
        var page = await ConsoleAsync("/console/deliveries");
        await page.SetViewportSizeAsync(1440, 1000);

        // A name, not an id: part of it offers the provider (the id in small grey beside it).
        await PickPartyAsync(page, "filter-provider", "联调科技" + tag[..3], provider.Id);
        await PickPartyAsync(page, "filter-buyer", "张", "u-1001");
        await Browser.ChooseAsync(page, "filter-stage", "实施中");
        await page.GetByRole(AriaRole.Option, new() { Name = "待验收", Exact = true }).ClickAsync();
        await page.WaitForFunctionAsync("() => { const el = document.querySelector('[data-testid=filter-stage]'); return (el.matches('input') ? el : el.querySelector('input')).value === '实施中、待验收'; }");
        await page.Keyboard.PressAsync("Escape");
        await page.Locator(".mud-popover-open").WaitForAsync(new() { State = WaitForSelectorState.Detached }); // a click on the closing list's overlay is lost
        await Browser.ScreenshotAsync(page, "console-2b-filters-open");

        // Clicked again if a live re-render (the deliveries just started) swallowed the click.
        for (var attempt = 0; ; attempt++)
        {
            await page.GetByTestId("apply").ClickAsync();
            try
            {
                await Assertions.Expect(page).ToHaveURLAsync(
                    new System.Text.RegularExpressions.Regex($"^(?=.*stage=implementing&stage=accepting)(?=.*providerId={provider.Id})"), new() { Timeout = 5000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 2)
            {
            }
        }

        await Expect(page.GetByTestId("delivery-row"), 2);
        (await page.GetByTestId("delivery-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.querySelector('a').getAttribute('href'))"))
            .Should().BeEquivalentTo([$"/console/deliveries/{implementing}", $"/console/deliveries/{accepting}"], "the delivery confirming its requirement is in neither stage");
        (await page.GetByTestId("filters").GetAttributeAsync("data-expanded")).Should().Be("false");
        (await page.GetByTestId("filter-q").CountAsync()).Should().Be(0, "the folded panel shows chips, not the fields");
        var chips = await page.GetByTestId("filter-chip").AllInnerTextsAsync();
        chips.Select(c => c.Trim()).Should().Contain(["阶段：实施中", "阶段：待验收", $"服务商：联调科技{tag} ({provider.Id})", "买家：张三 (u-1001)"]);
        await Browser.ScreenshotAsync(page, "console-2b-filters-chips");

        // Saved and exported with both stages.
        await page.GetByTestId("filter-name").FillAsync("两个阶段 " + tag);
        await page.GetByTestId("save-filter").ClickAsync();
        await Browser.WaitForUrlAsync(page, "saved=");
        await page.GetByTestId("saved-banner").WaitForAsync();
        await Expect(page.GetByTestId("delivery-row"), 2);
        var listed = await OrdersAsync(page);
        var href = await page.GetByTestId("export-csv").GetAttributeAsync("href");
        var csv = await page.APIRequest.GetAsync(host.BaseUrl + href);
        csv.Status.Should().Be(200);
        var lines = (await csv.TextAsync()).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Skip(1).Select(l => l.Split(',')[0]).Should().Equal(listed, "the export has the rows of the list, both stages");

        // One stage's chip removed: the rows of the other stage alone.
        var chip = page.Locator("[data-testid=filter-chip][data-filter=stage]").Filter(new() { HasText = "待验收" });
        await chip.Locator(".mud-chip-close-button").ClickAsync();
        await Browser.WaitForUrlAsync(page, new System.Text.RegularExpressions.Regex("^(?!.*accepting)(?=.*stage=implementing)"));
        await Expect(page.GetByTestId("delivery-row"), 1);
        (await page.GetByTestId("delivery-row").GetAttributeAsync("data-order")).Should().StartWith("PICK-I");

        // The same chips in English.
        await page.GotoAsync(host.BaseUrl + "/culture?lang=en&returnUrl=" + Uri.EscapeDataString(new Uri(page.Url).PathAndQuery));
        // The first interactive render can come before the stage names and the buyer's name are read: wait for them.
        await page.Locator("[data-testid=filter-chip]").Filter(new() { HasText = "Stage: Provider implementing" }).WaitForAsync();
        await page.Locator("[data-testid=filter-chip]").Filter(new() { HasText = "Buyer: 张三 (u-1001)" }).WaitForAsync();
        await Browser.ScreenshotAsync(page, "console-2b-filters-chips-en");
    }

    [Fact]
    public async Task At_1280_px_every_console_section_is_in_sight_and_at_390_px_the_lists_are_cards_and_nothing_is_wider_than_the_screen()
    {
        var order = Order("NARROW");
        var id = await host.StartDeliveryAsync(Key, order, "submit_requirement", "request_refund"); // a refund review in the queue
        var page = await ConsoleAsync("/console");
        await page.SetViewportSizeAsync(1280, 900);
        await page.GetByTestId("stat-due-soon").WaitForAsync();
        foreach (var link in await page.Locator("[data-testid=console-nav] a, .mud-appbar a, .mud-appbar button").AllAsync())
        {
            var box = await link.BoundingBoxAsync();
            box.Should().NotBeNull($"{await link.InnerTextAsync()} is shown");
            (box!.X + box.Width).Should().BeLessThanOrEqualTo(1280, $"{await link.InnerTextAsync()} is within the window");
        }

        await Browser.ScreenshotAsync(page, "console-10-1280");

        await page.SetViewportSizeAsync(390, 844);
        (string Path, string Name, string Ready)[] pages =
        [
            ("/console", "overview", "[data-testid=stat-due-soon]"),
            ("/console/deliveries", "deliveries", "[data-testid=delivery-row]"),
            ("/console/queues", "queues", $"[data-testid=refund-review][data-delivery='{id}']"),
            ("/console/providers", "providers", "[data-testid=provider-row]"),
            ($"/console/deliveries/{id}", "delivery", "[data-testid=stage-name]"),
        ];
        foreach (var (path, name, ready) in pages)
        {
            await page.GotoAsync(host.BaseUrl + path);
            await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
            await page.Locator(ready).First.WaitForAsync();
            await FitsPhoneAsync(page, name);
            await Browser.ScreenshotAsync(page, "console-10-390-" + name);
        }

        // The filter form works on the phone: folded at first (the list comes first), then the fields one under
        // another, the list cards of the rows found.
        await page.GotoAsync(host.BaseUrl + "/console/deliveries");
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        await page.Locator("[data-testid=filters][data-expanded=false]").WaitForAsync();
        (await page.GetByTestId("delivery-row").First.BoundingBoxAsync())!.Y.Should().BeLessThan(844, "the first delivery is on the phone's first screen");
        await page.GetByTestId("filters-toggle").ClickAsync();
        await page.GetByTestId("filter-q").FillAsync(order);
        await page.GetByTestId("apply").ClickAsync();
        await Browser.WaitForUrlAsync(page, "q=" + order);
        await Expect(page.GetByTestId("delivery-row"), 1);
        await FitsPhoneAsync(page, "filtered deliveries");
        await Browser.ScreenshotAsync(page, "console-10-390-filtered");

        await page.GotoAsync(host.BaseUrl + "/culture?lang=en&returnUrl=" + Uri.EscapeDataString("/console/queues"));
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        await page.Locator($"[data-testid=refund-review][data-delivery='{id}']").WaitForAsync();
        await FitsPhoneAsync(page, "queues in English");
        await Browser.ScreenshotAsync(page, "console-10-390-queues-en");
        await page.GotoAsync(host.BaseUrl + "/culture?lang=zh-CN&returnUrl=%2Fconsole");
    }

    [Fact]
    public async Task In_both_languages_every_console_page_fits_a_phone_and_the_delivery_pages_modification_mode_and_tabs_work_there_and_at_1280_px_english_keeps_every_tab_in_sight()
    {
        var id = await host.StartDeliveryAsync(Key, Order("PHONE"), ToAccepting); // timers running, mails sent
        var page = await ConsoleAsync("/console");
        foreach (var (lang, moveKind, target, tasksTab) in new[] { ("en", "Move to stage", "Provider implementing", "Tasks"), ("zh-CN", "调整交付状态", "实施中", "任务") })
        {
            await page.GotoAsync(host.BaseUrl + $"/culture?lang={lang}&returnUrl=%2Fconsole");
            await page.SetViewportSizeAsync(1280, 900);
            await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
            foreach (var link in await page.Locator("[data-testid=console-nav] a, .mud-appbar a, .mud-appbar button").AllAsync())
            {
                var box = await link.BoundingBoxAsync();
                box.Should().NotBeNull($"{await link.InnerTextAsync()} is shown in {lang}");
                (box!.X + box.Width).Should().BeLessThanOrEqualTo(1280, $"{await link.InnerTextAsync()} is within the window in {lang}");
            }

            await Browser.ScreenshotAsync(page, $"console-13-1280-{lang}");
            // The charts' words and figures are readable at the default zoom (docs: ≥ 11 px on screen).
            await ChartTextReadableAsync(page, $"the overview's chart in {lang}");
            await page.GotoAsync(host.BaseUrl + "/console/providers");
            await page.Locator("[data-testid=provider-row]").First.WaitForAsync();
            await ChartTextReadableAsync(page, $"the providers' chart in {lang}");
            await page.SetViewportSizeAsync(390, 844);
            (string Path, string Name, string Ready)[] pages =
            [
                ("/console", "overview", "[data-testid=stat-due-soon]"),
                ("/console/deliveries", "deliveries", "[data-testid=delivery-row]"),
                ("/console/queues?tab=tickets", "tickets", "[data-testid=console-nav]"),
                ("/console/queues?tab=failed", "failed", "[data-testid=console-nav]"),
                ("/console/providers", "providers", "[data-testid=provider-row]"),
            ];
            foreach (var (path, name, ready) in pages)
            {
                await page.GotoAsync(host.BaseUrl + path);
                await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
                await page.Locator(ready).First.WaitForAsync();
                await FitsPhoneAsync(page, $"{name} in {lang}");
                if (name == "overview")
                {
                    // The version picker wraps under the heading instead of being squeezed to "v1 · 9 und…".
                    (await page.GetByTestId("heat-version-box").BoundingBoxAsync())!.Width.Should().BeGreaterThan(235, $"the version picker keeps its width in {lang}");
                }

                // The tab's title says where one is; the icon is the service's.
                (await page.TitleAsync()).Should().EndWith(lang == "en" ? " · Operations console" : " · 运营控制台").And.NotStartWith(" ·");
                (await page.Locator("link[rel=icon]").GetAttributeAsync("href")).Should().EndWith("favicon.svg");
                await Browser.ScreenshotAsync(page, $"console-13-390-{name}-{lang}");
            }

            // The delivery page on the phone: the modification mode with its preview, then the lists behind the tabs.
            await page.GotoAsync(host.BaseUrl + $"/console/deliveries/{id}");
            await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
            await page.GetByTestId("order-id").WaitForAsync();
            (await page.TitleAsync()).Should().StartWith("PHONE-", "a delivery's tab is named by its order");
            await page.GetByTestId("intervene-open").ClickAsync();
            await page.GetByTestId("intervene-card").WaitForAsync();
            await Browser.ChooseAsync(page, "intervene-kind", moveKind);
            await Browser.ChooseAsync(page, "intervene-stage", target);
            await page.GetByTestId("intervene-preview").ClickAsync();
            await page.GetByTestId("intervene-preview-box").WaitForAsync();
            await FitsPhoneAsync(page, $"the modification mode in {lang}");
            var apply = (await page.GetByTestId("intervene-apply").BoundingBoxAsync())!;
            (apply.X + apply.Width).Should().BeLessThanOrEqualTo(390, "the apply button is within the phone's width");
            await Browser.ScreenshotAsync(page, $"console-13-390-intervene-{lang}");
            await page.GetByTestId("intervene-open").ClickAsync();

            await Browser.OpenTabAsync(page, new System.Text.RegularExpressions.Regex("^" + tasksTab), page.GetByTestId("tasks"));
            await FitsPhoneAsync(page, $"the tasks in {lang}");
            await Browser.OpenTabAsync(page, new System.Text.RegularExpressions.Regex("^" + (lang == "en" ? "Timers" : "时限")), page.GetByTestId("timers"));
            await FitsPhoneAsync(page, $"the timers in {lang}");
            await Browser.ScreenshotAsync(page, $"console-13-390-timers-{lang}");
            await Browser.OpenTabAsync(page, new System.Text.RegularExpressions.Regex(lang == "en" ? "^Mails" : "^邮件", System.Text.RegularExpressions.RegexOptions.IgnoreCase), page.GetByTestId("notifications"));
            await FitsPhoneAsync(page, $"the mails in {lang}");
            (await page.GetByTestId("notifications").InnerTextAsync()).Should().Contain(lang == "en" ? "Delivery started" : "交付开始");
            await Browser.ScreenshotAsync(page, $"console-13-390-mails-{lang}");
        }
    }

    private static async Task ChartTextReadableAsync(IPage page, string what)
    {
        // Measured in the same poll that finds the text: a re-render between a wait and a read can leave none (a CI run).
        var drawn = await page.WaitForFunctionAsync("""
            () => {
                const sizes = [...document.querySelectorAll('.mud-chart svg text')].filter(t => t.textContent.trim()).map(t => {
                    const svg = t.ownerSVGElement, box = svg.viewBox.baseVal;
                    const scale = box && box.width ? Math.min(svg.getBoundingClientRect().width / box.width, svg.getBoundingClientRect().height / box.height) : 1;
                    return parseFloat(getComputedStyle(t).fontSize) * scale;
                });
                return sizes.length ? sizes : null;
            }
            """);
        // The font size as drawn: the SVG's own size scaled as its view box is fitted to the page.
        var heights = await drawn.JsonValueAsync<double[]>();
        heights.Should().NotBeEmpty();
        heights.Min().Should().BeGreaterThanOrEqualTo(11, $"the text of {what} is readable ({string.Join(", ", heights.Distinct().Select(h => h.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} px)");
    }

    /// <summary>Nothing scrolls sideways, and no cell of a list is squeezed into a column a few characters wide.</summary>
    private static async Task FitsPhoneAsync(IPage page, string what)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        widths[0].Should().BeLessThanOrEqualTo(widths[1], $"{what} fits the phone's width");
        var squeezed = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('td, .mud-table-cell')]
                .filter(c => c.offsetParent !== null && c.innerText.trim().length > 0 && c.getBoundingClientRect().width < 120)
                .map(c => c.innerText.trim() + ' (' + Math.round(c.getBoundingClientRect().width) + ' px)')
            """);
        squeezed.Should().BeEmpty($"the lists of {what} are cards on a phone");
    }

    [Fact]
    public async Task A_delivery_in_acceptance_shows_its_countdown_timeline_and_three_timers_and_the_clock_freezes_live_when_a_dispute_opens()
    {
        var id = await host.StartDeliveryAsync(Key, Order("ACC"), ToAccepting);
        var page = await ConsoleAsync($"/console/deliveries/{id}");
        await page.Locator("[data-testid=countdown][data-state=running]").WaitForAsync();
        (await page.GetByTestId("countdown").InnerTextAsync()).Should().Contain("剩余 14 天 23 小时");
        (await page.GetByTestId("stage-name").InnerTextAsync()).Should().Be("待验收");
        await Expect(page.GetByTestId("log-entry"), 4); // start and the three steps
        var steps = await page.GetByTestId("log-entry").EvaluateAllAsync<string[]>("es => es.map(e => e.dataset.action)");
        steps.Should().Equal("start", "submit_requirement", "confirm_requirement", "submit_for_acceptance");

        await page.GetByRole(AriaRole.Tab, new() { NameRegex = new System.Text.RegularExpressions.Regex("^时限") }).ClickAsync();
        await Expect(page.Locator("[data-testid=timer][data-state=running]"), 3);
        await Browser.ScreenshotAsync(page, "console-3-delivery");

        // The buyer disputes the delivered work through the API; the page shows the clock frozen without a reload.
        await host.OpenTicketAsync(id, "acceptance_dispute", "交付物与需求不符");
        var started = DateTime.UtcNow;
        await page.Locator("[data-testid=countdown][data-state=frozen]").WaitForAsync(new() { Timeout = 2000 });
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(2));
        (await page.GetByTestId("countdown").InnerTextAsync()).Should().Contain("验收争议处理中");
        await Browser.ScreenshotAsync(page, "console-3-frozen");
    }

    [Fact]
    public async Task The_platform_approves_a_refund_and_moves_a_stuck_delivery_from_the_headers_modification_mode_with_the_move_and_its_timers_previewed_on_the_graph()
    {
        var refund = await host.StartDeliveryAsync(Key, Order("RFD"), "submit_requirement", "request_refund");
        var page = await ConsoleAsync($"/console/deliveries/{refund}");
        await page.GetByTestId("field-approve_refund-note").FillAsync("核实无误，同意退款");
        await page.GetByTestId("perform-approve_refund").ClickAsync();
        await page.GetByTestId("stage-name").GetByText("已退款").WaitForAsync();

        // A delivery in acceptance where nothing happened for ten days: the stuck filter finds it.
        var stuck = await host.StartDeliveryAsync(Key, Order("STK"), ToAccepting);
        await using (var db = TestDatabase.Context(host.ConnectionString))
        {
            await db.Database.ExecuteSqlAsync($"UPDATE deliveries SET updated_at = now() - interval '10 days' WHERE id = {stuck}");
        }

        // Clicked only once the list is interactive: a click while the prerendered page hands over to the circuit can be lost.
        await page.GotoAsync(host.BaseUrl + "/console/deliveries?stuckDays=7");
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        await page.Locator($"[data-testid=delivery-row] a[href='/console/deliveries/{stuck}']").ClickAsync();
        await Browser.WaitForUrlAsync(page, new System.Text.RegularExpressions.Regex($"/console/deliveries/{stuck}$"));
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        await page.GetByTestId("stage-name").GetByText("待验收").WaitForAsync();
        // The modification mode is the page's own action, in its header; its preview is drawn on the graph beside it.
        await page.GetByTestId("intervene-open").ClickAsync();
        await page.GetByTestId("intervene-card").WaitForAsync();
        await Browser.ChooseAsync(page, "intervene-kind", "调整交付状态");
        await Browser.ChooseAsync(page, "intervene-stage", "实施中");
        await page.GetByTestId("intervene-preview").ClickAsync();
        var preview = page.GetByTestId("intervene-preview-box");
        await preview.WaitForAsync();
        (await page.GetByTestId("preview-tasks-closed").InnerTextAsync()).Should().Contain("买家 · 待验收");
        (await page.GetByTestId("preview-tasks-opened").InnerTextAsync()).Should().Contain("服务商 · 实施中");
        var timers = await page.GetByTestId("preview-timers").InnerTextAsync();
        timers.Should().Contain("取消 · 自动动作（验收通过）").And.Contain("取消 · 提醒（提前 3 天 提醒）").And.Contain("取消 · 提醒（提前 1 天 提醒）");
        (await page.GetByTestId("preview-timers-stop").InnerTextAsync()).Should().Contain("取消 · 自动动作（验收通过）", "the clocks the move ends are listed as stopping");
        var jump = page.GetByTestId("intervene-graph").GetByTestId("preview-jump");
        (await jump.GetAttributeAsync("data-from")).Should().Be("accepting");
        (await jump.GetAttributeAsync("data-to")).Should().Be("implementing", "the graph draws the move it previews");
        (await page.Locator("[data-testid=intervene-graph] [data-testid=stage][data-stage=implementing]").GetAttributeAsync("class")).Should().Contain("jump-to");
        var mails = await page.GetByTestId("preview-mails").InnerTextAsync();
        mails.Should().Contain("平台调整阶段").And.NotContain("delivery_moved", "mail kinds are named, not keyed");
        await Browser.ScreenshotAsync(page, "console-4-preview");

        await page.GetByTestId("intervene-apply").ClickAsync();
        await page.GetByText("请填写原因。").WaitForAsync(); // no reason, nothing applied
        await page.GetByTestId("intervene-reason").FillAsync("服务商已恢复实施，买家同意延期验收");
        await page.GetByTestId("intervene-apply").ClickAsync();
        await page.GetByTestId("stage-name").GetByText("实施中").WaitForAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "干预记录" }).ClickAsync();
        await page.GetByTestId("interventions").GetByText("服务商已恢复实施，买家同意延期验收").WaitForAsync();
        await Browser.ScreenshotAsync(page, "console-4-moved");

        await using var check = TestDatabase.Context(host.ConnectionString);
        var entry = await check.ProcessLog.SingleAsync(l => l.DeliveryId == stuck && l.Action == "admin_move");
        entry.Data["reason"].Should().Be("服务商已恢复实施，买家同意延期验收");
        (await check.Timers.CountAsync(t => t.DeliveryId == stuck && t.State == "running")).Should().Be(0, "the preview said the three clocks end");
        (await check.Deliveries.SingleAsync(d => d.Id == refund)).Status.Should().Be("refunded");
    }

    [Fact]
    public async Task In_English_at_1440_px_a_close_previewed_in_the_modification_mode_is_drawn_on_the_graph_and_its_mails_are_named()
    {
        var id = await host.StartDeliveryAsync(Key, Order("ENC"), ToAccepting);
        var page = await browser.SignedInAsync(host, "platform");
        await page.SetViewportSizeAsync(1440, 1000);
        await page.GotoAsync($"{host.BaseUrl}/culture?lang=en&returnUrl=%2Fconsole");
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        await page.GetByTestId("stage-count").First.WaitForAsync();
        (await page.GetByTestId("finished-totals").InnerTextAsync()).Should().Contain("Finished on v").And.Contain("refunded");
        // Each time in the stage-times table on one line, and the table inside its card.
        var times = page.GetByTestId("stage-times");
        await times.Locator("td.time").First.WaitForAsync();
        (await times.EvaluateAsync<string[]>("""
            card => [...card.querySelectorAll('td.time')].filter(td => {
                const r = document.createRange(); r.selectNodeContents(td);
                return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1; }).map(td => td.textContent)
            """)).Should().BeEmpty("a time like “under a minute” reads on one line");
        (await times.EvaluateAsync<bool>("card => card.querySelector('table').scrollWidth <= card.clientWidth")).Should().BeTrue("the table stays inside its card");
        (await times.EvaluateAsync<double>("card => Math.max(...[...card.querySelectorAll('.stage-bar')].map(b => b.getBoundingClientRect().width))"))
            .Should().BeGreaterThan(120, "the bars that compare the stages keep room to be read");
        await Browser.ScreenshotAsync(page, "console-1d-overview-en-1440");

        await page.GotoAsync($"{host.BaseUrl}/console/deliveries/{id}");
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        (await page.GetByTestId("intervene-card").CountAsync()).Should().Be(0, "the mode opens on demand");
        await page.GetByTestId("intervene-open").ClickAsync();
        await Browser.ChooseAsync(page, "intervene-kind", "Close delivery");
        await page.GetByTestId("intervene-preview").ClickAsync();
        var jump = page.GetByTestId("intervene-graph").GetByTestId("preview-jump");
        await jump.WaitForAsync();
        (await jump.GetAttributeAsync("data-to")).Should().Be("closed");
        var mails = await page.GetByTestId("preview-mails").InnerTextAsync();
        mails.Should().Contain("Delivery closed → buyer, provider").And.NotContain("delivery_closed").And.NotContain("、");
        var stopping = await page.GetByTestId("preview-timers-stop").InnerTextAsync();
        stopping.Should().Contain("cancelled").And.Contain("(reminder 1 day before)", "English brackets and the singular").And.NotContain("（");
        await Browser.ScreenshotAsync(page, "console-4-close-preview-en-1440");
    }

    [Fact]
    public async Task A_refund_review_shows_the_buyers_reason_in_words_the_amount_and_the_invoice_next_to_its_buttons_and_the_queue_lists_them()
    {
        var order = Order("RVW");
        var id = await host.StartDeliveryAsync(Key, order, "submit_requirement", "request_refund"); // reason no_longer_needed, "项目取消"
        var page = await ConsoleAsync($"/console/deliveries/{id}");
        var facts = page.GetByTestId("decision-facts");
        await facts.WaitForAsync();

        (await page.GetByTestId("decision-reasonCode").InnerTextAsync()).Should().StartWith("不再需要该服务", "the definition's label, the code only in small grey after it");
        (await page.GetByTestId("decision-description").InnerTextAsync()).Should().Be("项目取消");
        (await page.GetByTestId("decision-amount").InnerTextAsync()).Should().Be("1200.00 CNY");
        (await page.GetByTestId("decision-invoice").InnerTextAsync()).Should().Be("未开票");
        (await page.GetByTestId("invoice").InnerTextAsync()).Should().Be("未开票");
        (await page.GetByTestId("decision-requested").InnerTextAsync()).Should().Contain("张三");
        // The facts stand next to the buttons they decide: in the same card, right above them.
        var card = (await page.GetByTestId("countdown-card").BoundingBoxAsync())!;
        var box = (await facts.BoundingBoxAsync())!;
        var approve = (await page.GetByTestId("perform-approve_refund").BoundingBoxAsync())!;
        box.X.Should().BeGreaterThanOrEqualTo(card.X);
        (box.Y + box.Height).Should().BeLessThanOrEqualTo(approve.Y);
        (approve.Y - (box.Y + box.Height)).Should().BeLessThan(300, "the amount and the reason are in view with the button");

        // The log says the reason in words too; the revision is not called a version.
        (await page.Locator("[data-testid=log-value][data-key=reasonCode]").InnerTextAsync()).Should().Contain("不再需要该服务").And.NotContain("no_longer_needed");
        (await page.GetByTestId("revision").InnerTextAsync()).Should().StartWith("修订号");
        (await page.GetByTestId("definition-ref").InnerTextAsync()).Should().Contain("第 1 版");
        await Browser.ScreenshotAsync(page, "console-10-refund-review");

        // Tasks name who they wait for.
        await Browser.OpenTabAsync(page, "任务 (1)", page.GetByTestId("tasks"));
        var assignees = await page.GetByTestId("assignee").AllInnerTextsAsync();
        assignees.Should().Contain(a => a.StartsWith("张三", StringComparison.Ordinal)).And.Contain(a => a.StartsWith("平台（任一运营人员）", StringComparison.Ordinal));
        await Browser.ScreenshotAsync(page, "console-10-tasks");

        // An invoice requested meanwhile: the page says it blocks the approval, in words.
        await host.SetInvoiceAsync(id, "requested");
        await page.GotoAsync(host.BaseUrl + $"/console/deliveries/{id}");
        await page.GetByTestId("decision-invoice").GetByText("已申请开票").WaitForAsync();
        (await page.GetByTestId("blocked-approve_refund").InnerTextAsync()).Should().Contain("已申请开票");
        await host.SetInvoiceAsync(id, "none");

        var queue = await ConsoleAsync("/console/queues?tab=refunds");
        var row = queue.Locator($"[data-testid=refund-review][data-delivery='{id}']");
        await row.WaitForAsync();
        (await row.GetByTestId("review-buyer").InnerTextAsync()).Should().Be("张三");
        (await row.GetByTestId("review-amount").InnerTextAsync()).Should().Be("1200.00 CNY");
        var reason = await row.GetByTestId("review-reason").InnerTextAsync();
        reason.Should().StartWith("不再需要该服务").And.Contain("项目取消").And.NotContain("no_longer_needed");
        await Browser.ScreenshotAsync(queue, "console-10-refund-queue");
    }

    [Fact]
    public async Task A_mail_that_failed_while_smtp_was_down_is_listed_and_sent_once_by_retry()
    {
        await host.Smtp.StopAsync();
        var order = Order("MAIL");
        var id = await host.StartDeliveryAsync(Key, order, "submit_requirement");
        await using var db = TestDatabase.Context(host.ConnectionString);
        var failed = await FailedMailsAsync(db, id);

        var page = await ConsoleAsync("/console/queues?tab=failed");
        foreach (var mail in failed)
        {
            await page.Locator($"[data-testid=notification][data-id='{mail}'][data-status=failed]").WaitForAsync();
        }

        // Each failed mail names its order and links to its delivery.
        var link = page.Locator($"[data-testid=notification][data-id='{failed[0]}'] [data-testid=notification-delivery]");
        (await link.InnerTextAsync()).Should().Be(order);
        (await link.GetAttributeAsync("href")).Should().Be($"/console/deliveries/{id}");
        // ...and looks like a link: not the colour of the text around it.
        var colours = await link.EvaluateAsync<string[]>("a => [getComputedStyle(a).color, getComputedStyle(a.closest('tr').querySelector('[data-testid=notification-status]').previousElementSibling).color]");
        colours[0].Should().NotBe(colours[1], "the order id is a link and is coloured as one");
        await Browser.ScreenshotAsync(page, "console-5-failed");
        host.Smtp.Resume();
        foreach (var mail in failed)
        {
            await page.Locator($"[data-testid=notification][data-id='{mail}'] [data-testid=select-notification]").CheckAsync();
        }

        await page.GetByTestId("retry-selected").ClickAsync();
        await page.GetByText($"已重新排队 {failed.Count} 条通知").WaitForAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await db.Outbox.AsNoTracking().CountAsync(o => failed.Contains(o.Id) && o.Status == "sent") < failed.Count)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the retried mails are sent");
            await Task.Delay(300);
        }

        await Task.Delay(1000); // anything sent twice would arrive now
        host.Smtp.Messages.Count(m => (m.TextBody ?? m.HtmlBody ?? string.Empty).Contains(order, StringComparison.Ordinal) || (m.Subject ?? string.Empty).Contains(order, StringComparison.Ordinal))
            .Should().Be(failed.Count, "each failed mail is sent once after the retry");
    }

    /// <summary>Waits until every mail of the delivery failed (SMTP down: two attempts each); their ids.</summary>
    private static async Task<List<long>> FailedMailsAsync(Persistence.ServiceDeliveryDbContext db, Guid id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var failed = await db.Outbox.AsNoTracking().Where(o => o.DeliveryId == id && o.Kind == "email" && o.Status == "failed").Select(o => o.Id).ToListAsync();
            var open = await db.Outbox.AsNoTracking().CountAsync(o => o.DeliveryId == id && o.Kind == "email" && o.Status != "failed");
            if (failed.Count > 0 && open == 0)
            {
                return failed;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "the mails fail after their two attempts");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task A_notifications_status_follows_the_outbox_without_a_reload_on_the_delivery_page_and_in_the_failed_queue()
    {
        await host.Smtp.StopAsync();
        var down = true;
        try
        {
            await using var db = TestDatabase.Context(host.ConnectionString);
            var first = await host.StartDeliveryAsync(Key, Order("LIVE1"), "submit_requirement");
            await FailedMailsAsync(db, first);

            // The failed queue is open when more mails fail: they appear without a reload.
            var queue = await ConsoleAsync("/console/queues?tab=failed");
            var second = await host.StartDeliveryAsync(Key, Order("LIVE2"), "submit_requirement");
            var failedLater = await FailedMailsAsync(db, second);
            foreach (var mail in failedLater)
            {
                await queue.Locator($"[data-testid=notification][data-id='{mail}'][data-status=failed]").WaitForAsync(new() { Timeout = 5000 });
            }

            // On the delivery page a retry while SMTP is still down: the row goes back on its way and fails again, live.
            var failed = await db.Outbox.AsNoTracking().Where(o => o.DeliveryId == first && o.Status == "failed").Select(o => o.Id).FirstAsync();
            var page = await ConsoleAsync($"/console/deliveries/{first}");
            var row = page.Locator($"[data-testid=notification][data-id='{failed}']");
            await Browser.OpenTabAsync(page, new System.Text.RegularExpressions.Regex("^邮件与"), row);
            await row.Locator("[data-testid=retry-one]").ClickAsync();
            await page.Locator($"[data-testid=notification][data-id='{failed}']:not([data-status=failed])").WaitForAsync(new() { Timeout = 5000 });
            await page.Locator($"[data-testid=notification][data-id='{failed}'][data-status=failed]").WaitForAsync(new() { Timeout = 15_000 });
            (await row.InnerTextAsync()).Should().Contain("失败");
            await Browser.ScreenshotAsync(page, "console-12-failed-again-live");

            // SMTP is back: "重试所选" in the queue, and the rows stay and turn 已发送 within about a second of the send.
            host.Smtp.Resume();
            down = false;
            foreach (var mail in failedLater)
            {
                await queue.Locator($"[data-testid=notification][data-id='{mail}'] [data-testid=select-notification]").CheckAsync();
            }

            await queue.GetByTestId("retry-selected").ClickAsync();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await db.Outbox.AsNoTracking().CountAsync(o => failedLater.Contains(o.Id) && o.Status == "sent") < failedLater.Count)
            {
                DateTime.UtcNow.Should().BeBefore(deadline, "the retried mails are sent");
                await Task.Delay(100);
            }

            foreach (var mail in failedLater)
            {
                // About a second (the poll), with room for a loaded machine.
                await queue.Locator($"[data-testid=notification][data-id='{mail}'][data-status=sent]").WaitForAsync(new() { Timeout = 4000 });
            }

            (await queue.Locator($"[data-testid=notification][data-id='{failedLater[0]}'] [data-testid=notification-status]").InnerTextAsync()).Should().Contain("已发送");
            (await queue.Locator($"[data-testid=notification][data-id='{failedLater[0]}'] [data-testid=notification-delivery]").InnerTextAsync()).Should().StartWith("LIVE2-", "a sent row still names its order");
            await Browser.ScreenshotAsync(queue, "console-12-retried-sent-live");
        }
        finally
        {
            if (down)
            {
                host.Smtp.Resume();
            }
        }
    }

    [Fact]
    public async Task Provider_analytics_show_the_figures_of_a_known_data_set()
    {
        var provider = new HostApi.Provider("p-stats-" + Guid.NewGuid().ToString("N")[..6], "统计测试服务商", "ops@stats.example");
        var accepted = await host.StartDeliveryAsync(Key, Order("ST1"), provider, "submit_requirement", "confirm_requirement", "submit_for_acceptance", "accept");
        await host.StartDeliveryAsync(Key, Order("ST2"), provider, "submit_requirement", "reject_requirement");
        var auto = await host.StartDeliveryAsync(Key, Order("ST3"), provider, "submit_requirement", "confirm_requirement", "submit_for_acceptance", "reject_delivery", "submit_for_acceptance");
        await host.StartDeliveryAsync(Key, Order("ST4"), provider, "request_refund", "approve_refund");
        await host.OpenTicketAsync(accepted, "other", "发票问题");

        await using var db = TestDatabase.Context(host.ConnectionString);
        // Confirmations two and four hours after the requirements reached the provider: the median is three hours.
        await db.Database.ExecuteSqlAsync($"UPDATE process_log c SET at = s.at + interval '2 hours' FROM process_log s WHERE c.delivery_id = {accepted} AND s.delivery_id = c.delivery_id AND c.action = 'confirm_requirement' AND s.action = 'submit_requirement'");
        await db.Database.ExecuteSqlAsync($"UPDATE process_log c SET at = s.at + interval '4 hours' FROM process_log s WHERE c.delivery_id = {auto} AND s.delivery_id = c.delivery_id AND c.action = 'confirm_requirement' AND s.action = 'submit_requirement'");
        // The third delivery's fifteen days are over: the engine's timer accepts it.
        await db.Database.ExecuteSqlAsync($"UPDATE timers SET due_at = now() - interval '1 second' WHERE delivery_id = {auto} AND key = 'auto_accept' AND state = 'running'");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == auto)).Status != "completed")
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the due timer fires");
            await Task.Delay(500);
        }

        var page = await ConsoleAsync("/console/providers");
        var row = page.Locator("tr").Filter(new() { Has = page.Locator($"[data-provider='{provider.Id}']") });
        await row.WaitForAsync();
        (await row.GetByTestId("deliveries").InnerTextAsync()).Should().Be("4");
        (await row.GetByTestId("median-confirm").InnerTextAsync()).Should().Be("3 小时");
        (await row.GetByTestId("requirement-rejection").InnerTextAsync()).Should().Be("33.3%", "one rejection against two confirmations");
        (await row.GetByTestId("delivery-rejection").InnerTextAsync()).Should().Be("33.3%", "one rejection against two acceptances");
        (await row.GetByTestId("auto-acceptance").InnerTextAsync()).Should().Be("50%", "one of two acceptances by the clock");
        (await row.GetByTestId("refund-rate").InnerTextAsync()).Should().Be("25%");
        (await row.GetByTestId("tickets-per-delivery").InnerTextAsync()).Should().Be("0.25");
        await Browser.ScreenshotAsync(page, "console-6-providers");
    }

    [Fact]
    public async Task A_deliverys_tickets_show_newest_first_with_their_threads_and_the_platform_replies_on_its_page()
    {
        var id = await host.StartDeliveryAsync(Key, Order("TKT"), "submit_requirement", "confirm_requirement");
        var older = await host.OpenTicketAsync(id, "other", "发票抬头需要更改");
        var newer = await host.OpenTicketAsync(id, "other", "实施进度咨询");

        var page = await ConsoleAsync($"/console/deliveries/{id}");
        await page.GetByRole(AriaRole.Tab, new() { NameRegex = new System.Text.RegularExpressions.Regex("^工单 \\(2\\)") }).ClickAsync();
        await Expect(page.GetByTestId("ticket"), 2);
        var shown = await page.GetByTestId("ticket").EvaluateAllAsync<string[]>("es => es.map(e => e.dataset.ticket)");
        shown.Should().Equal([newer.ToString(), older.ToString()], "newest first");

        var ticket = page.Locator($"[data-testid=ticket][data-ticket='{older}']");
        await ticket.Locator("input[data-testid=ticket-reply-text], [data-testid=ticket-reply-text] input").FillAsync("已转财务处理，三个工作日内重开发票");
        await ticket.GetByTestId("ticket-reply").ClickAsync();
        await ticket.GetByTestId("ticket-message").Filter(new() { HasText = "已转财务处理，三个工作日内重开发票" }).WaitForAsync();
        (await ticket.GetByTestId("ticket-message").InnerTextAsync()).Should().Contain("王五", "the reply names the platform operator who wrote it");
        (await page.Locator($"[data-testid=ticket][data-ticket='{newer}'] [data-testid=ticket-message]").CountAsync()).Should().Be(0, "the other thread is untouched");
        await Browser.ScreenshotAsync(page, "console-8-tickets");
    }

    [Fact]
    public async Task A_provider_gets_403_on_the_console_and_on_the_jobs_dashboard()
    {
        var page = await browser.SignedInAsync(host, "provider");
        foreach (var path in new[] { "/console", "/console/jobs", "/console/deliveries.csv" })
        {
            var response = await page.GotoAsync(host.BaseUrl + path);
            response!.Status.Should().Be((int)HttpStatusCode.Forbidden, path);
            (await page.GetByTestId("forbidden-title").InnerTextAsync()).Should().Contain("无权访问");
        }

        await Browser.ScreenshotAsync(page, "console-7-forbidden");

        var platform = await browser.SignedInAsync(host, "platform");
        var jobs = await platform.GotoAsync(host.BaseUrl + "/console/jobs");
        jobs!.Status.Should().Be(200, "the platform sees the Hangfire dashboard");
        (await platform.ContentAsync()).Should().Contain("ServiceDelivery · Hangfire", "the dashboard's own page");
        await Browser.ScreenshotAsync(platform, "console-7-jobs");
    }

    [Fact]
    public async Task The_jobs_dashboard_opens_in_a_new_tab_and_cannot_delete_the_services_sweeps_which_come_back_when_deleted_from_storage()
    {
        var page = await ConsoleAsync("/console");
        await page.Locator("[data-testid=recurring-job][data-job=timers-sweep][data-present=true]").WaitForAsync();
        await page.Locator("[data-testid=recurring-job][data-job=outbox-sweep][data-present=true]").WaitForAsync();
        (await page.GetByTestId("recurring-note").InnerTextAsync()).Should().Contain("10 秒内重新注册");
        await Browser.ScreenshotAsync(page, "console-11-recurring");

        // The nav's arrow says "elsewhere": the dashboard opens in a new tab and the console stays.
        var link = page.GetByTestId("jobs-link");
        (await link.GetAttributeAsync("rel")).Should().Contain("noopener");
        var opening = page.Context.WaitForPageAsync();
        await link.ClickAsync();
        var jobs = await opening;
        await Browser.WaitForUrlAsync(jobs, "/console/jobs");
        page.Url.Should().EndWith("/console");

        // Hangfire shows times in the browser's zone (the context's is Asia/Shanghai), written the Chinese way like the
        // rest of the page (2026/12/8 03:50:19, not 12/8/2026 3:50:19 AM). Its script rewrites the server's time once
        // the page is ready: wait for that rather than read the server's.
        var china = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8));
        var expected = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"^{china:yyyy/M/d} ({china:HH}|{china.AddMinutes(2):HH}):\\d\\d:\\d\\d$");
        var footer = jobs.Locator("#footer [data-moment-local], .footer [data-moment-local], footer [data-moment-local]").First;
        await footer.WaitForAsync();
        var converted = DateTime.UtcNow.AddSeconds(10);
        string shown;
        while (!System.Text.RegularExpressions.Regex.IsMatch(shown = (await footer.InnerTextAsync()).Trim(), expected))
        {
            DateTime.UtcNow.Should().BeBefore(converted, $"the footer's time '{shown}' becomes China's, written as zh-CN writes it");
            await Task.Delay(100);
        }

        shown.Should().NotContainAny("AM", "PM");

        // Deleting the timer sweep from the dashboard is refused, and it stays.
        await jobs.GotoAsync(host.BaseUrl + "/console/jobs/recurring");
        // Each sweep's zone, listed beside its cron, is the console's, not UTC.
        (await jobs.Locator("tr").Filter(new() { Has = jobs.Locator("input.js-jobs-list-checkbox[value='timers-sweep']") }).InnerTextAsync()).Should().Contain("Asia/Shanghai").And.NotContain("UTC");
        var dialogs = new System.Collections.Concurrent.ConcurrentQueue<string>();
        jobs.Dialog += async (_, dialog) =>
        {
            dialogs.Enqueue(dialog.Message);
            await dialog.AcceptAsync();
        };
        await jobs.Locator("input.js-jobs-list-checkbox[value='timers-sweep']").CheckAsync();
        var refused = jobs.WaitForResponseAsync(r => r.Url.EndsWith("/console/jobs/recurring/remove", StringComparison.Ordinal));
        await jobs.Locator("button.js-jobs-list-command[data-url$='/recurring/remove']").ClickAsync();
        (await refused).Status.Should().Be(403);
        // Hangfire's confirmation, then the service's reason (Hangfire's own script would leave the button loading).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!dialogs.Any(m => m.Contains("由服务维护", StringComparison.Ordinal)))
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the dashboard says why the deletion was refused");
            await Task.Delay(100);
        }

        await jobs.Locator("input.js-jobs-list-checkbox[value='timers-sweep']").WaitForAsync();
        await Browser.ScreenshotAsync(jobs, "console-11-jobs-recurring");
        await using var db = TestDatabase.Context(host.ConnectionString);
        (await RecurringAsync(db, "timers-sweep")).Should().BeTrue("the dashboard deleted nothing");

        // Deleted from Hangfire's storage behind the service's back: the hosts register it again within seconds.
        await db.Database.ExecuteSqlRawAsync("DELETE FROM hangfire.hash WHERE key = 'recurring-job:timers-sweep'; DELETE FROM hangfire.set WHERE key = 'recurring-jobs' AND value = 'timers-sweep'");
        (await RecurringAsync(db, "timers-sweep")).Should().BeFalse();
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await RecurringAsync(db, "timers-sweep"))
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the check every 10 s registers the sweep again");
            await Task.Delay(500);
        }

        await page.ReloadAsync();
        await page.Locator("[data-testid=recurring-job][data-job=timers-sweep][data-present=true]").WaitForAsync();
    }

    private static async Task<bool> RecurringAsync(Persistence.ServiceDeliveryDbContext db, string id) =>
        await db.Database.SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM hangfire.set WHERE key = 'recurring-jobs' AND value = {0}", id).SingleAsync() == 1
        && await db.Database.SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM hangfire.hash WHERE key = {0}", "recurring-job:" + id).SingleAsync() > 0;

    /// <summary>Types into a typeahead and picks the party with that id among the offered names.</summary>
    private static async Task PickPartyAsync(IPage page, string testId, string typed, string id)
    {
        var input = page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;
        await input.ClickAsync();
        await input.FillAsync(typed);
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = id }).First.ClickAsync();
        await page.WaitForFunctionAsync("([sel, id]) => document.querySelector(sel).value.includes(`(${id})`)", new[] { $"[data-testid={testId}] input, input[data-testid={testId}]", id });
    }

    /// <summary>The text of a field's input, whether the test id is on the input or on the field around it.</summary>
    private static Task<string> InputValueAsync(IPage page, string testId) =>
        page.EvaluateAsync<string>("id => { const el = document.querySelector(`[data-testid=${id}]`); const input = el.matches('input') ? el : el.querySelector('input'); return input.value; }", testId);

    private static async Task<List<string>> OrdersAsync(IPage page) =>
        [.. await page.GetByTestId("delivery-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.order)")];

    [Fact]
    public async Task Signing_out_in_one_tab_ends_the_console_open_in_another_without_a_reload()
    {
        var open = await ConsoleAsync("/console/deliveries");
        var other = await open.Context.NewPageAsync();
        await other.GotoAsync(host.BaseUrl + "/console");
        await other.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();

        await other.GetByTestId("signout").ClickAsync();
        await Browser.WaitForUrlAsync(other, "/signin");

        await open.GetByTestId("session-ended").WaitForAsync(new() { Timeout = 15_000 });
        (await open.GetByTestId("console-nav").CountAsync()).Should().Be(0, "the page no longer acts for the platform");
        await Browser.ScreenshotAsync(open, "console-9-session-ended");
    }

    private static async Task Expect(ILocator locator, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await locator.CountAsync() != count)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, $"{count} items appear");
            await Task.Delay(200);
        }
    }
}

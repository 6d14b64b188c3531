using System.Globalization;
using System.IO.Compression;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>
/// The process log's integrity in the console (docs/evidence.md): a log row edited in the database behind the
/// service's back shows on the delivery's page and, after the integrity sweep, in the overview's list.
/// </summary>
public sealed class ConsoleIntegrityTests(IntegrityHost host, Browser browser) : IClassFixture<IntegrityHost>, IClassFixture<Browser>
{
    private const string Key = "manual-service-delivery";

    private static string Order(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private async Task<IPage> ConsoleAsync(string path)
    {
        var page = await browser.SignedInAsync(host, "platform");
        await page.SetViewportSizeAsync(1440, 1000);
        await page.GotoAsync(host.BaseUrl + path);
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        return page;
    }

    [Fact]
    public async Task A_log_row_edited_in_the_database_shows_as_altered_from_that_entry_on_the_page_and_after_the_sweep_in_the_overview_while_an_untouched_log_is_intact()
    {
        var intactOrder = Order("INTACT");
        var intact = await host.StartDeliveryAsync(Key, intactOrder, "submit_requirement", "confirm_requirement");
        var tamperedOrder = Order("TAMPER");
        var tampered = await host.StartDeliveryAsync(Key, tamperedOrder, "submit_requirement");

        // Before any failure: the overview says so in one calm line.
        var page = await ConsoleAsync("/console");
        var summary = page.GetByTestId("integrity-summary");
        await summary.WaitForAsync();
        (await summary.GetAttributeAsync("data-failures")).Should().Be("0");
        (await summary.InnerTextAsync()).Trim().Should().MatchRegex("^日志完整性：(尚未检查|上次检查 .+，共 [0-9,]+ 个交付，全部完整)$");
        await Browser.ScreenshotAsync(page, "console-integrity-0-overview-calm-1440");

        // The delivery's page verifies on load: intact.
        await page.GotoAsync($"{host.BaseUrl}/console/deliveries/{tampered}");
        await page.Locator("[data-testid=integrity][data-valid=true]").WaitForAsync();

        // Entry 2 (the buyer's requirement) edited in the database: nothing the service did, so no live change yet.
        await using (var db = TestDatabase.Context(host.ConnectionString))
        {
            (await db.Database.ExecuteSqlAsync($"UPDATE process_log SET data = jsonb_set(data, '{{description}}', '\"改过的\"') WHERE delivery_id = {tampered} AND seq = 2")).Should().Be(1);
        }

        // The provider acts: the page's live refresh verifies again and names entry 2.
        await host.ActAsync(tampered, "confirm_requirement");
        var altered = page.Locator("[data-testid=integrity][data-valid=false]");
        await altered.WaitForAsync();
        (await altered.GetAttributeAsync("data-first-broken")).Should().Be("2");
        (await altered.GetAttributeAsync("data-reason")).Should().Be("entry_changed");
        (await page.GetByTestId("integrity-verdict").InnerTextAsync()).Should().Be("日志被改动");
        (await page.GetByTestId("integrity-chip").InnerTextAsync()).Should().Be("日志被改动 · 第 2 条", "the header says it too, above the fold");
        var detail = await page.GetByTestId("integrity-detail").InnerTextAsync();
        detail.Should().Contain("第 2 条起不可信").And.Contain("记录内容与其哈希不符，已被修改").And.NotContain("entry_changed", "the reason is in words");

        // The timeline marks entry 2 and what follows it; entry 1 is still trusted.
        await page.Locator("[data-testid=log-entry][data-seq='3']").WaitForAsync();
        (await page.Locator("[data-testid=log-entry][data-seq='1']").GetAttributeAsync("data-untrusted")).Should().Be("false");
        (await page.Locator("[data-testid=log-entry][data-seq='2']").GetAttributeAsync("data-untrusted")).Should().Be("true");
        (await page.Locator("[data-testid=log-entry][data-seq='3']").GetAttributeAsync("data-untrusted")).Should().Be("true");
        var mark = page.Locator("[data-testid=log-entry][data-seq='2'] [data-testid=broken-mark]");
        (await mark.InnerTextAsync()).Should().Contain("第 2 条").And.Contain("从这一条起不可信");
        (await page.GetByTestId("broken-mark").CountAsync()).Should().Be(1, "only the first bad entry carries the marker");
        (await page.Locator("[data-testid=log-entry][data-seq='2']").InnerTextAsync()).Should().Contain("改过的", "the page shows what the database holds now");
        await NotOverlappingAsync(page, "[data-testid=integrity]", "[data-testid=graph]");
        await Browser.ScreenshotAsync(page, "console-integrity-1-altered-1440");

        // The evidence bundle downloads from the signed-in page (the API itself takes bearer tokens).
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("evidence-download").ClickAsync());
        download.SuggestedFilename.Should().Be($"evidence-{tamperedOrder}.zip");
        var saved = Path.Combine(Path.GetTempPath(), $"sd-evidence-{Guid.NewGuid():N}.zip");
        await download.SaveAsAsync(saved);
        try
        {
            using var zip = ZipFile.OpenRead(saved);
            zip.Entries.Select(e => e.FullName).Should().Contain(["manifest.json", "log.json", "summary.html", "public-key.pem"]);
        }
        finally
        {
            File.Delete(saved);
        }

        // On a phone: the line wraps, nothing is wider than the screen.
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        widths[0].Should().BeLessThanOrEqualTo(widths[1], "the delivery page fits the phone's width");
        await Browser.ScreenshotAsync(page, "console-integrity-2-altered-390");
        await page.SetViewportSizeAsync(1440, 1000);

        // The untouched delivery: intact, with how many entries and how far anchors prove them.
        await page.GotoAsync($"{host.BaseUrl}/console/deliveries/{intact}");
        await page.Locator("[data-testid=integrity][data-valid=true]").WaitForAsync();
        int entries;
        await using (var db = TestDatabase.Context(host.ConnectionString))
        {
            entries = await db.ProcessLog.CountAsync(l => l.DeliveryId == intact);
        }

        (await page.GetByTestId("integrity-verdict").InnerTextAsync()).Should().Be("日志完整");
        (await page.GetByTestId("integrity-detail").InnerTextAsync()).Should().MatchRegex($"^共 {entries} 条记录 · (尚未锚定，由哈希链保护|第 1–\\d+ 条已由签名锚点证明.*)$");
        (await page.GetByTestId("broken-mark").CountAsync()).Should().Be(0);
        (await page.Locator("[data-testid=log-entry][data-untrusted=true]").CountAsync()).Should().Be(0);
        await Browser.ScreenshotAsync(page, "console-integrity-3-intact-1440");

        // The integrity sweep, started from the jobs dashboard as an operator would.
        var started = DateTimeOffset.UtcNow;
        await TriggerSweepAsync(page);
        await using (var db = TestDatabase.Context(host.ConnectionString))
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (!await db.LogVerificationRuns.AnyAsync(r => r.FinishedAt >= started))
            {
                DateTime.UtcNow.Should().BeBefore(deadline, "the triggered sweep finishes:\n" + host.Log);
                await Task.Delay(500);
            }
        }

        LogFailure failure;
        await using (var db = TestDatabase.Context(host.ConnectionString))
        {
            var stored = await db.LogIntegrityFailures.AsNoTracking().ToListAsync();
            stored.Select(f => f.DeliveryId).Should().Equal([tampered], "the sweep finds the edited log and only that one");
            failure = new LogFailure(stored[0].FirstBrokenSeq, stored[0].Reason, stored[0].CheckedAt);
        }

        failure.Seq.Should().Be(2);
        failure.Reason.Should().Be("entry_changed");

        // The overview lists it: the order links to the delivery, the first bad entry, the reason in words, China time.
        await page.GotoAsync(host.BaseUrl + "/console");
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        var row = page.Locator($"[data-testid=integrity-failure][data-delivery='{tampered}']");
        await row.WaitForAsync();
        (await page.GetByTestId("integrity-failure").CountAsync()).Should().Be(1);
        (await page.GetByTestId("integrity-summary").GetAttributeAsync("data-failures")).Should().Be("1");
        (await row.GetAttributeAsync("data-seq")).Should().Be("2");
        var cells = await row.Locator("td").AllInnerTextsAsync();
        cells[0].Should().Be(tamperedOrder);
        cells[1].Should().Be("第 2 条");
        cells[2].Should().Be("记录内容与其哈希不符，已被修改");
        cells[3].Should().Be(failure.CheckedAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), "the console's times are China time");
        (await row.Locator("a").GetAttributeAsync("href")).Should().Be($"/console/deliveries/{tampered}");
        (await page.GetByTestId("integrity-last-run").InnerTextAsync()).Should().MatchRegex("^上次检查 \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d，共 [0-9,]+ 个交付，[1-9][0-9]* 个未通过$");
        await NotOverlappingAsync(page, "[data-testid=integrity-summary]", "[data-testid=stage-graph]");
        await Browser.ScreenshotAsync(page, "console-integrity-4-overview-failure-1440");

        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        widths[0].Should().BeLessThanOrEqualTo(widths[1], "the overview fits the phone's width");
        await Browser.ScreenshotAsync(page, "console-integrity-5-overview-failure-390");
        await page.SetViewportSizeAsync(1440, 1000);

        // The order links to the delivery's page.
        await row.Locator("a").ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/console/deliveries/{tampered}", StringComparison.Ordinal));
        await page.Locator("[data-testid=integrity][data-valid=false][data-first-broken='2']").WaitForAsync();

        // In English.
        await page.GotoAsync(host.BaseUrl + "/culture?lang=en&returnUrl=" + Uri.EscapeDataString($"/console/deliveries/{tampered}"));
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        await page.Locator("[data-testid=integrity][data-valid=false]").WaitForAsync();
        (await page.GetByTestId("integrity-verdict").InnerTextAsync()).Should().Be("Log altered");
        (await page.GetByTestId("integrity-detail").InnerTextAsync()).Should().Contain("from entry 2 on it cannot be trusted").And.Contain("an entry is not what its hash says");
        (await page.GetByTestId("evidence-download").TextContentAsync()).Should().Contain("Download evidence bundle");
        await Browser.ScreenshotAsync(page, "console-integrity-6-altered-1440-en");

        await page.GotoAsync(host.BaseUrl + "/console");
        await page.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        var enRow = page.Locator($"[data-testid=integrity-failure][data-delivery='{tampered}']");
        await enRow.WaitForAsync();
        (await enRow.Locator("td").AllInnerTextsAsync()).Should().Equal(tamperedOrder, "entry 2", "an entry is not what its hash says: it was changed", cells[3]);
        await Browser.ScreenshotAsync(page, "console-integrity-7-overview-failure-1440-en");
        await page.GotoAsync(host.BaseUrl + "/culture?lang=zh-CN&returnUrl=%2Fconsole");

        // Once a signed anchor covers the untouched delivery, its line says how far the anchor proves it.
        await host.AnchorNowAsync();
        await page.GotoAsync($"{host.BaseUrl}/console/deliveries/{intact}");
        await page.Locator("[data-testid=integrity][data-valid=true]").WaitForAsync();
        (await page.GetByTestId("integrity-detail").InnerTextAsync()).Should().Be($"共 {entries} 条记录 · 第 1–{entries} 条已由签名锚点证明");
        await Browser.ScreenshotAsync(page, "console-integrity-8-intact-anchored-1440");

        // The bundle's console route is the platform's: a provider is refused.
        var provider = await browser.SignedInAsync(host, "provider");
        var refused = await provider.APIRequest.GetAsync($"{host.BaseUrl}/console/deliveries/{tampered}/evidence", new() { MaxRedirects = 0 });
        refused.Status.Should().BeOneOf((int)HttpStatusCode.Forbidden, (int)HttpStatusCode.Redirect);
        if (refused.Status == (int)HttpStatusCode.Redirect)
        {
            refused.Headers["location"].Should().NotContain("/evidence");
        }
    }

    private sealed record LogFailure(int? Seq, string Reason, DateTimeOffset CheckedAt);

    /// <summary>Triggers the recurring integrity sweep from the Hangfire dashboard (as an operator would).</summary>
    private async Task TriggerSweepAsync(IPage console)
    {
        var jobs = await console.Context.NewPageAsync();
        jobs.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await jobs.GotoAsync(host.BaseUrl + "/console/jobs/recurring");
        await jobs.Locator("input.js-jobs-list-checkbox[value='log-integrity']").CheckAsync();
        var triggered = jobs.WaitForResponseAsync(r => r.Url.EndsWith("/console/jobs/recurring/trigger", StringComparison.Ordinal));
        await jobs.Locator("button.js-jobs-list-command[data-url$='/recurring/trigger']").ClickAsync();
        (await triggered).Status.Should().BeLessThan(400, "the dashboard queued the sweep");
        await jobs.CloseAsync();
    }

    /// <summary>Two parts of a page do not cover each other.</summary>
    private static async Task NotOverlappingAsync(IPage page, string first, string second)
    {
        var a = (await page.Locator(first).First.BoundingBoxAsync())!;
        var b = (await page.Locator(second).First.BoundingBoxAsync())!;
        var apart = a.Y + a.Height <= b.Y || b.Y + b.Height <= a.Y || a.X + a.Width <= b.X || b.X + b.Width <= a.X;
        apart.Should().BeTrue($"{first} and {second} do not overlap");
    }
}

/// <summary>A host whose integrity sweep checks everything written up to the moment it runs (no commit margin).</summary>
public sealed class IntegrityHost : HostProcess
{
    protected override void Configure(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        environment["Evidence__CommitMargin"] = "00:00:00";
    }
}

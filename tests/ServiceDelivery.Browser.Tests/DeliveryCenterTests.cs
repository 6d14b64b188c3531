using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>The delivery centre as a buyer (u-1001, the demo buyer) and provider staff (p-2001) use it, in Chromium against the real host.</summary>
public sealed class DeliveryCenterTests(CenterHost host, Browser browser) : IClassFixture<CenterHost>, IClassFixture<Browser>
{
    private const string Key = "manual-service-delivery";

    private static string Order(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private async Task<IPage> DeliveryPageAsync(string role, Guid id, int width = 1440)
    {
        var page = await browser.SignedInAsync(host, role);
        await page.SetViewportSizeAsync(width, 1000);
        await page.GotoAsync($"{host.BaseUrl}/deliveries/{id}");
        await LiveAsync(page);
        return page;
    }

    /// <summary>Waits until the page's live channel is open (a change after this shows without a reload).</summary>
    private static Task LiveAsync(IPage page) => page.Locator(".c-main[data-stream=connected]").WaitForAsync();

    /// <summary>Opens an action's form, fills its fields (by field key), submits and confirms, and waits for the page after it.</summary>
    private static async Task ActAsync(IPage page, string action, IReadOnlyDictionary<string, string> fields, params string[] files)
    {
        var form = page.Locator($"#act-{action}");
        if (await form.GetAttributeAsync("open") is null)
        {
            await page.GetByTestId("open-" + action).ClickAsync();
        }

        foreach (var (key, value) in fields)
        {
            var field = form.Locator($"[name='f.{key}']");
            if (await field.EvaluateAsync<string>("e => e.tagName") == "SELECT")
            {
                await field.SelectOptionAsync(value);
            }
            else
            {
                await field.FillAsync(value);
            }
        }

        if (files.Length > 0)
        {
            await form.Locator("input[type=file]").SetInputFilesAsync(files);
            await Assertions.Expect(form.Locator(".c-file.c-done")).ToHaveCountAsync(files.Length);
        }

        await form.GetByTestId("submit-" + action).ClickAsync();
        await page.GetByTestId("confirm-ok").ClickAsync();
        await Browser.WaitForUrlAsync(page, "done=" + action);
    }

    private static async Task StageIsAsync(IPage page, string name) =>
        await Assertions.Expect(page.GetByTestId("stage-name")).ToHaveTextAsync(name);

    private static string File(string name, string content)
    {
        var path = Path.Combine(Path.GetTempPath(), "sd-center-" + Guid.NewGuid().ToString("N")[..8] + "-" + name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task The_seeds_steps_in_order_as_one_buyer_and_one_provider_each_seeing_the_others_action_without_a_reload()
    {
        var order = Order("SEED");
        var id = await host.StartDeliveryAsync(Key, order);

        // 交付中心: the buyer finds the order and its next action.
        var buyer = await browser.SignedInAsync(host, "buyer");
        await buyer.SetViewportSizeAsync(1440, 1000);
        await buyer.GotoAsync($"{host.BaseUrl}/deliveries?q={order}");
        var row = buyer.Locator($"[data-testid=row][data-order='{order}']");
        await Assertions.Expect(row.GetByTestId("stage")).ToHaveTextAsync("需求待提交");
        await Assertions.Expect(row.GetByTestId("op-submit_requirement")).ToHaveTextAsync("提交需求");
        await Browser.ScreenshotAsync(buyer, "center-1-list");

        // 提交需求 with two files and the confirmation.
        await row.GetByTestId("op-submit_requirement").ClickAsync();
        await LiveAsync(buyer);
        await ActAsync(buyer, "submit_requirement", new Dictionary<string, string> { ["description"] = "请把自建 MySQL 5.7 迁移到云数据库，停机不超过 30 分钟。" },
            File("schema.txt", "CREATE TABLE orders (id bigint);"), File("plan.md", "# 迁移计划\n1. 全量\n2. 增量"));
        await StageIsAsync(buyer, "需求待确认");
        await Assertions.Expect(buyer.GetByTestId("attachment")).ToHaveCountAsync(2);

        // 重新编辑 while the provider has not confirmed.
        await ActAsync(buyer, "edit_requirement", new Dictionary<string, string> { ["description"] = "补充：源库 200 GB，需保留 binlog。" });
        await StageIsAsync(buyer, "需求待确认");
        await Browser.ScreenshotAsync(buyer, "center-2-requirement-submitted");

        // The provider sees the requirement and its files, and confirms: the buyer's open page follows without a reload.
        var provider = await DeliveryPageAsync("provider", id);
        await Assertions.Expect(provider.GetByTestId("attachment")).ToHaveCountAsync(2);
        await Assertions.Expect(provider.GetByText("补充：源库 200 GB，需保留 binlog。")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(provider, "center-3-provider-confirming");
        await ActAsync(provider, "confirm_requirement", new Dictionary<string, string> { ["note"] = "已确认，本周五开始实施。" });
        await StageIsAsync(buyer, "实施中");

        // 更新进度, 提交验收: the buyer is offered 验收服务 with the auto-acceptance deadline.
        await ActAsync(provider, "post_progress", new Dictionary<string, string> { ["note"] = "全量迁移完成，增量同步中。" });
        await ActAsync(provider, "submit_for_acceptance", new Dictionary<string, string> { ["details"] = "迁移完成，数据校验一致。" }, File("report.txt", "校验报告：一致"));
        await StageIsAsync(buyer, "待验收");
        await Assertions.Expect(buyer.GetByTestId("deadline")).ToContainTextAsync("剩余 14 天");
        await Browser.ScreenshotAsync(buyer, "center-4-accepting");

        // 验收驳回 → implementing again → 提交验收 → 验收通过.
        await ActAsync(buyer, "reject_delivery", new Dictionary<string, string> { ["details"] = "报表数据有差异，请核对。" });
        await StageIsAsync(provider, "实施中");
        await ActAsync(provider, "submit_for_acceptance", new Dictionary<string, string> { ["details"] = "差异已修复，重新校验一致。" });
        await StageIsAsync(buyer, "待验收");
        await ActAsync(buyer, "accept", new Dictionary<string, string> { ["details"] = "验收通过，谢谢。" });
        await StageIsAsync(buyer, "已完成");
        await StageIsAsync(provider, "已完成");

        // 流程日志: every step by both sides, in order; the list now says 已完成.
        var log = buyer.GetByTestId("log").Locator("li");
        await Assertions.Expect(log).ToHaveCountAsync(9); // start and eight steps
        await Browser.ScreenshotAsync(buyer, "center-5-completed");
        await buyer.GotoAsync($"{host.BaseUrl}/deliveries?q={order}");
        await Assertions.Expect(buyer.Locator($"[data-testid=row][data-order='{order}']").GetByTestId("stage")).ToHaveTextAsync("已完成");
    }

    [Fact]
    public async Task A_refund_before_confirmation_says_what_comes_back_pauses_the_flow_and_shows_the_platforms_approval_live()
    {
        var id = await host.StartDeliveryAsync(Key, Order("RFD"));
        var buyer = await DeliveryPageAsync("buyer", id);
        await buyer.GetByTestId("open-request_refund").ClickAsync();
        await Assertions.Expect(buyer.GetByTestId("refund-terms")).ToContainTextAsync("退款退还实付金额 1200.00 CNY");
        await Browser.ScreenshotAsync(buyer, "center-6-refund-dialog");
        await ActAsync(buyer, "request_refund", new Dictionary<string, string> { ["reasonCode"] = "purchased_by_mistake", ["description"] = "误购买，申请退款。" });
        await StageIsAsync(buyer, "退款中");
        await Assertions.Expect(buyer.GetByTestId("branch")).ToHaveTextAsync("退款中");
        await Assertions.Expect(buyer.GetByTestId("no-actions")).ToContainTextAsync("平台审核后会通知你结果");

        // The platform approves in the console (with an internal note): the buyer's page shows it without a reload,
        // never the note.
        var platform = await browser.SignedInAsync(host, "platform");
        await platform.GotoAsync($"{host.BaseUrl}/console/deliveries/{id}");
        await platform.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        await platform.GetByTestId("field-approve_refund-note").FillAsync("同意退款。");
        await platform.GetByTestId("field-approve_refund-internalNote").FillAsync("内部：该买家第三次误购");
        await platform.GetByTestId("perform-approve_refund").ClickAsync();
        await platform.GetByTestId("stage-name").GetByText("已退款").WaitForAsync();
        await StageIsAsync(buyer, "已退款");
        await Assertions.Expect(buyer.GetByText("同意退款。")).ToBeVisibleAsync();
        (await buyer.ContentAsync()).Should().NotContain("第三次误购", "internal notes never reach a party's page");
        await Browser.ScreenshotAsync(buyer, "center-7-refunded");
    }

    [Fact]
    public async Task A_refund_blocked_by_a_requested_invoice_is_explained_instead_of_offered()
    {
        var id = await host.StartDeliveryAsync(Key, Order("INV"));
        await host.SetInvoiceAsync(id, "requested");
        var buyer = await DeliveryPageAsync("buyer", id);
        await buyer.GetByTestId("open-request_refund").ClickAsync();
        await Assertions.Expect(buyer.GetByTestId("blocked")).ToContainTextAsync("请先前往「费用中心 > 发票管理」取消开票申请");
        await Assertions.Expect(buyer.GetByTestId("submit-request_refund")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(buyer, "center-8-refund-blocked");
    }

    [Fact]
    public async Task After_confirmation_a_refund_is_not_offered_and_a_ticket_answered_from_the_platform_shows_live()
    {
        var id = await host.StartDeliveryAsync(Key, Order("TKT"), "submit_requirement", "confirm_requirement");
        var buyer = await DeliveryPageAsync("buyer", id);
        await Assertions.Expect(buyer.GetByTestId("open-request_refund")).ToHaveCountAsync(0);
        await Assertions.Expect(buyer.GetByTestId("refund-ticket-hint")).ToContainTextAsync("请发起工单");

        await buyer.GetByTestId("open-ticket").ClickAsync();
        (await buyer.Locator("#ticket-category").InputValueAsync()).Should().Be("refund_after_confirmation");
        await buyer.Locator("#ticket-subject").FillAsync("项目取消，申请部分退款");
        await buyer.Locator("#ticket-description").FillAsync("服务商刚开始实施，希望协商退款。");
        await buyer.GetByTestId("submit-ticket").ClickAsync();
        await buyer.GetByTestId("confirm-ok").ClickAsync();
        await Browser.WaitForUrlAsync(buyer, "done=open_ticket");
        await LiveAsync(buyer);
        await Assertions.Expect(buyer.GetByTestId("ticket-status")).ToHaveTextAsync("处理中");

        // The platform answers and resolves it in the console: a partial refund.
        var platform = await browser.SignedInAsync(host, "platform");
        await platform.GotoAsync($"{host.BaseUrl}/console/deliveries/{id}");
        await platform.Locator("[data-testid=console-nav][data-interactive=true]").WaitForAsync();
        await Browser.OpenTabAsync(platform, "工单 (1)", platform.GetByTestId("ticket-reply-text"));
        await platform.GetByTestId("ticket-reply-text").FillAsync("已与服务商协商，退款 600 元。");
        await platform.GetByTestId("ticket-reply").ClickAsync();
        await Assertions.Expect(buyer.GetByTestId("ticket-message")).ToContainTextAsync("已与服务商协商");
        await platform.GetByTestId("ticket-outcome").ClickAsync();
        await platform.GetByRole(AriaRole.Option, new() { Name = "退款", Exact = true }).ClickAsync();
        await platform.GetByTestId("ticket").GetByLabel("金额").FillAsync("600"); // the amount field appears for a refund
        await platform.GetByTestId("ticket-note").FillAsync("已与服务商协商，退款 600 元。");
        await platform.GetByTestId("ticket-resolve").ClickAsync();

        await Assertions.Expect(buyer.GetByTestId("ticket-resolution")).ToContainTextAsync("600.00 CNY");
        await StageIsAsync(buyer, "已退款");
        await Browser.ScreenshotAsync(buyer, "center-9-ticket-resolved");
    }

    [Fact]
    public async Task A_dispute_freezes_the_countdown_and_the_page_says_so()
    {
        var id = await host.StartDeliveryAsync(Key, Order("DSP"), "submit_requirement", "confirm_requirement", "submit_for_acceptance");
        await host.OpenTicketAsync(id, "acceptance_dispute", "交付结果与需求不符");
        var buyer = await DeliveryPageAsync("buyer", id);
        await Assertions.Expect(buyer.GetByTestId("deadline")).ToContainTextAsync("自动验收计时已暂停");
        await Assertions.Expect(buyer.GetByTestId("deadline")).ToContainTextAsync("验收争议处理中");
        await Browser.ScreenshotAsync(buyer, "center-10-frozen");
    }

    [Fact]
    public async Task A_stale_page_says_the_other_side_acted_and_keeps_what_was_typed()
    {
        var id = await host.StartDeliveryAsync(Key, Order("STL"), "submit_requirement");
        var buyer = await DeliveryPageAsync("buyer", id);
        await buyer.GetByTestId("open-edit_requirement").ClickAsync();
        const string typed = "补充：需要同时迁移 3 个只读实例。";
        await buyer.Locator("#act-edit_requirement [name='f.description']").FillAsync(typed);

        // The provider confirms meanwhile: the form being typed in stays, a notice says the page changed.
        await host.ActAsync(id, "confirm_requirement");
        await Assertions.Expect(buyer.Locator("[data-stale-notice]")).ToBeVisibleAsync();
        (await buyer.Locator("#act-edit_requirement [name='f.description']").InputValueAsync()).Should().Be(typed);

        await buyer.GetByTestId("submit-edit_requirement").ClickAsync();
        await buyer.GetByTestId("confirm-ok").ClickAsync();
        await Assertions.Expect(buyer.GetByTestId("failure")).ToContainTextAsync("交付已被对方更新");
        await StageIsAsync(buyer, "实施中");
        (await buyer.GetByTestId("kept").Locator("textarea").InputValueAsync()).Should().Be(typed, "nothing typed is lost");
        await Browser.ScreenshotAsync(buyer, "center-11-conflict");
    }

    [Fact]
    public async Task A_form_sent_twice_from_one_opening_acts_once()
    {
        var id = await host.StartDeliveryAsync(Key, Order("TWICE"), "submit_requirement", "confirm_requirement");
        var provider = await DeliveryPageAsync("provider", id);
        await provider.GetByTestId("open-post_progress").ClickAsync();
        await provider.Locator("#act-post_progress [name='f.note']").FillAsync("同一次打开，提交两次");

        // What a double click on a slow network does: the same form (same key, same version) posted twice.
        var statuses = await provider.EvaluateAsync<int[]>(@"async () => {
            const form = document.querySelector('#act-post_progress form');
            const post = () => fetch(location.href, { method: 'POST', body: new FormData(form), redirect: 'manual' }).then(r => r.status || 303);
            return await Promise.all([post(), post()]);
        }");
        statuses.Should().OnlyContain(status => status < 400, "both posts are answered as the first one was");
        await using var db = TestDatabase.Context(host.ConnectionString);
        (await db.ProcessLog.CountAsync(l => l.DeliveryId == id && l.Action == "post_progress")).Should().Be(1, "one opening of the form acts once");
    }

    [Fact]
    public async Task A_required_field_left_empty_is_named_at_the_field_and_focused()
    {
        var id = await host.StartDeliveryAsync(Key, Order("VAL"));
        var buyer = await DeliveryPageAsync("buyer", id);
        await buyer.GetByTestId("open-submit_requirement").ClickAsync();
        await buyer.GetByTestId("submit-submit_requirement").ClickAsync();
        await buyer.GetByTestId("confirm-ok").ClickAsync();
        await Assertions.Expect(buyer.GetByTestId("error-description")).ToHaveTextAsync("必填。");
        await Assertions.Expect(buyer.Locator("#submit_requirement-description")).ToBeFocusedAsync();
        await StageIsAsync(buyer, "需求待提交");
    }

    [Fact]
    public async Task A_file_of_a_type_not_taken_is_named_and_not_uploaded_while_the_others_go_through()
    {
        var id = await host.StartDeliveryAsync(Key, Order("FILE"));
        var buyer = await DeliveryPageAsync("buyer", id);
        await buyer.GetByTestId("open-submit_requirement").ClickAsync();
        var form = buyer.Locator("#act-submit_requirement");
        await form.Locator("input[type=file]").SetInputFilesAsync([File("setup.exe", "MZ not really"), File("notes.txt", "需求补充")]);
        await Assertions.Expect(form.GetByTestId("file-error")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("setup\\.exe: 不支持这种文件类型"));
        await Assertions.Expect(form.Locator(".c-file.c-done")).ToHaveCountAsync(1);
        await Assertions.Expect(form.Locator("input[name=attachmentIds]")).ToHaveCountAsync(1); // only the accepted file goes with the form
        await Browser.ScreenshotAsync(buyer, "center-17-file-refused");
    }

    [Fact]
    public async Task Another_buyers_delivery_and_a_page_that_does_not_exist_are_the_same_404_page_in_the_persons_language()
    {
        var id = await host.StartDeliveryAsync(Key, Order("SEC"), "submit_requirement");
        var stranger = await (await browser.NewContextAsync()).NewPageAsync();
        await stranger.GotoAsync(host.BaseUrl + "/signin");
        await stranger.Locator("form.signin-custom input[name=sub]").FillAsync("u-9999");
        await stranger.Locator("form.signin-custom input[name=roles]").FillAsync("buyer");
        await stranger.Locator("form.signin-custom button[type=submit]").ClickAsync();
        await Browser.WaitForUrlAsync(stranger, new System.Text.RegularExpressions.Regex("^(?!.*/signin)"));

        var other = await stranger.GotoAsync($"{host.BaseUrl}/deliveries/{id}");
        other!.Status.Should().Be(404);
        await Assertions.Expect(stranger.GetByTestId("not-found-title")).ToHaveTextAsync("404 · 页面不存在");
        (await stranger.ContentAsync()).Should().NotContain("SEC-", "nothing of another buyer's delivery leaks");
        var missing = await stranger.GotoAsync($"{host.BaseUrl}/deliveries/{Guid.NewGuid()}/nothing-here");
        missing!.Status.Should().Be(404);
        await Assertions.Expect(stranger.GetByTestId("not-found-title")).ToHaveTextAsync("404 · 页面不存在");
        var events = await stranger.APIRequest.GetAsync($"{host.BaseUrl}/deliveries/{id}/events");
        events.Status.Should().Be(404, "the live channel of another buyer's delivery is not found either");
        await Browser.ScreenshotAsync(stranger, "center-12-not-found");
    }

    [Fact]
    public async Task What_a_party_typed_is_shown_as_text_never_as_markup()
    {
        var id = await host.StartDeliveryAsync(Key, Order("XSS"));
        await host.ActAsync(id, "submit_requirement", new { description = "<img src=x onerror=\"document.title='owned'\"><b>粗体</b>" });
        var provider = await DeliveryPageAsync("provider", id);
        await Assertions.Expect(provider.GetByText("<b>粗体</b>", new() { Exact = false })).ToBeVisibleAsync();
        (await provider.Locator(".c-entry b").CountAsync()).Should().Be(0);
        (await provider.TitleAsync()).Should().NotBe("owned");
    }

    [Fact]
    public async Task On_a_phone_in_English_the_list_is_cards_and_nothing_scrolls_sideways()
    {
        var order = Order("PHN");
        var id = await host.StartDeliveryAsync(Key, order, "submit_requirement", "confirm_requirement", "submit_for_acceptance");
        var buyer = await browser.SignedInAsync(host, "buyer");
        await buyer.SetViewportSizeAsync(390, 844);
        await buyer.GotoAsync($"{host.BaseUrl}/culture?lang=en&returnUrl=%2Fdeliveries%3Fq%3D{order}");
        var row = buyer.Locator($"[data-testid=row][data-order='{order}']");
        await Assertions.Expect(row.GetByTestId("stage")).ToHaveTextAsync("Awaiting acceptance");
        (await buyer.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth")).Should().BeTrue("nothing scrolls sideways on the list");
        (await Browser.QuotesWidthInEmsAsync(row)).Should().BeLessThan(1.2, "English quotes are Latin, not the CJK font's full-width ones");
        await Browser.ScreenshotAsync(buyer, "center-13-phone-list-en");

        await buyer.GotoAsync($"{host.BaseUrl}/deliveries/{id}");
        await LiveAsync(buyer);
        await buyer.GetByTestId("open-reject_delivery").ClickAsync();
        await Assertions.Expect(buyer.GetByTestId("deadline")).ToContainTextAsync("left");
        (await buyer.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth")).Should().BeTrue("nothing scrolls sideways on the details");
        await Browser.ScreenshotAsync(buyer, "center-14-phone-details-en");
    }

    [Fact]
    public async Task The_mail_link_opens_the_delivery_after_sign_in()
    {
        var id = await host.StartDeliveryAsync(Key, Order("MAIL"));
        var page = await (await browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync($"{host.BaseUrl}/deliveries/{id}");
        await page.GetByTestId("signin-buyer").ClickAsync();
        await Browser.WaitForUrlAsync(page, new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape($"{host.BaseUrl}/deliveries/{id}") + "$"));
        await Assertions.Expect(page.GetByTestId("stage-name")).ToHaveTextAsync("需求待提交");
    }

    [Fact]
    public async Task A_field_a_designer_adds_in_the_Studio_and_publishes_appears_on_a_new_deliverys_form()
    {
        const string Studio = "center-studio-field";
        await host.PublishAsync(Studio, 1, HostProcess.ShippedAs(Studio));
        var designer = await browser.SignedInAsync(host, "designer");
        await Browser.OpenDefinitionAsync(designer, host, Studio);
        await designer.GetByTestId("new-draft").ClickAsync();
        await designer.GetByTestId("undo").WaitForAsync();
        await designer.Locator("[data-testid=edge][data-action=submit_requirement][data-from=requirement_pending]:visible .edge-label").ClickAsync();
        await designer.GetByTestId("add-field").ClickAsync();
        var field = designer.Locator("[data-testid=field][data-field=field1]");
        await field.GetByTestId("field-type").SelectOptionAsync("date");
        await Assertions.Expect(field.GetByTestId("field-max-length")).ToHaveCountAsync(0); // a date has no length: the edit is in
        await field.GetByTestId("field-name-zh").FillAsync("期望完成日期");
        await field.GetByTestId("field-name-zh").PressAsync("Tab");
        await Browser.OpenJsonAsync(designer);
        await Browser.JsonContainsAsync(designer, "期望完成日期");
        await Browser.OpenTabAsync(designer, "画布", designer.Locator("[data-testid=field][data-field=field1]"));
        await field.GetByTestId("field-name-en").FillAsync("Wanted by");
        await field.GetByTestId("field-name-en").PressAsync("Tab");
        await Browser.OpenJsonAsync(designer);
        await Browser.JsonContainsAsync(designer, "Wanted by");
        await Browser.OpenTabAsync(designer, "画布", designer.Locator("[data-testid=field][data-field=field1]"));
        await Browser.ScreenshotAsync(designer, "center-15-studio-field");
        await designer.GetByLabel("变更说明").FillAsync("需求表单增加期望完成日期");
        await designer.GetByTestId("publish").ClickAsync();
        await designer.GetByText("已发布 v2").First.WaitForAsync();

        var id = await host.StartDeliveryAsync(Studio, Order("FLD"));
        var buyer = await DeliveryPageAsync("buyer", id);
        await buyer.GetByTestId("open-submit_requirement").ClickAsync();
        var date = buyer.Locator("#act-submit_requirement input[type=date][name='f.field1']");
        await Assertions.Expect(buyer.Locator("label[for='submit_requirement-field1']")).ToHaveTextAsync("期望完成日期");
        await date.FillAsync("2027-01-15");
        await ActAsync(buyer, "submit_requirement", new Dictionary<string, string> { ["description"] = "迁移，月中前完成。" });
        await Assertions.Expect(buyer.GetByTestId("visit-requirement_pending")).ToContainTextAsync("期望完成日期");
        await Assertions.Expect(buyer.GetByTestId("visit-requirement_pending")).ToContainTextAsync("2027-01-15");
    }

    [Fact]
    public async Task Provider_staff_see_their_open_tasks_and_no_other_providers_deliveries()
    {
        var mine = await host.StartDeliveryAsync(Key, Order("TODO"), "submit_requirement");
        var theirs = await host.StartDeliveryAsync(Key, Order("OTHER"), new HostApi.Provider("p-9999", "别家服务商", "ops@other.example"), "submit_requirement");
        var provider = await browser.SignedInAsync(host, "provider");
        await provider.SetViewportSizeAsync(1440, 1000);
        await provider.GotoAsync($"{host.BaseUrl}/deliveries?view=todo");
        var todo = provider.GetByTestId("todo");
        await Assertions.Expect(todo.Locator($"tr[data-delivery='{mine}']")).ToHaveCountAsync(1);
        await Assertions.Expect(todo.Locator($"tr[data-delivery='{mine}']")).ToContainTextAsync("确认需求");
        await Assertions.Expect(todo.Locator($"tr[data-delivery='{theirs}']")).ToHaveCountAsync(0);
        (await todo.InnerTextAsync()).Should().NotContain("OTHER-", "another provider's delivery is not on this provider's list");
        await Browser.ScreenshotAsync(provider, "center-16-provider-todo");
        (await provider.GotoAsync($"{host.BaseUrl}/deliveries/{theirs}"))!.Status.Should().Be(404);
    }

    [Fact]
    public async Task The_other_partys_action_on_another_host_shows_within_two_seconds_without_a_reload()
    {
        await using var second = new SecondHost(host.ConnectionString);
        await second.InitializeAsync();
        var id = await host.StartDeliveryAsync(Key, Order("HOSTS"), "submit_requirement");
        var buyer = await DeliveryPageAsync("buyer", id);

        // The provider confirms through the other host: its commit reaches this host's page by LISTEN/NOTIFY and SSE.
        await second.ActAsync(id, "confirm_requirement");
        await Assertions.Expect(buyer.GetByTestId("stage-name")).ToHaveTextAsync("实施中", new() { Timeout = 2000 });
        await Assertions.Expect(buyer.GetByTestId("log").Locator("li")).ToHaveCountAsync(3, new() { Timeout = 2000 });
    }
}

/// <summary>A host without demo data (the lists hold what the tests start) and with short session checks.</summary>
public sealed class CenterHost : HostProcess
{
    protected override void Configure(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        environment["Sessions__RevalidationInterval"] = "00:00:01";
    }
}

/// <summary>A second host on the first one's database (another machine behind the same load balancer).</summary>
public sealed class SecondHost(string database) : HostProcess
{
    protected override bool OwnsDatabase => false;

    protected override Task<string> CreateDatabaseAsync() => Task.FromResult(database);
}

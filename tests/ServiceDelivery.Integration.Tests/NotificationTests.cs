using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Infrastructure;
using ServiceDelivery.Infrastructure.Notifications;
using ServiceDelivery.Persistence.Entities;
using ServiceDelivery.Testing;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>Mail through a real SMTP exchange: MailKit sends, an in-process SMTP server receives.</summary>
public sealed class NotificationTests : IAsyncLifetime
{
    private const string Reviewers = "review@platform.example";
    private TestSmtpServer _smtp = null!;
    private AppHarness _app = null!;

    public async Task InitializeAsync()
    {
        _smtp = TestSmtpServer.Start();
        _app = await AppHarness.CreateAsync(services =>
        {
            services.AddSingleton(new NotificationOptions { PlatformMailbox = Reviewers, BaseUrl = "https://market.example/delivery-center", MaxAttempts = 3 });
            services.AddServiceDeliveryNotifications(new SmtpOptions { Host = "127.0.0.1", Port = _smtp.Port, From = "云市场服务交付 <noreply@market.example>" }, TemplatesRoot);
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    public static string TemplatesRoot => Path.Combine(AppContext.BaseDirectory, "templates", "notifications");

    private Task<int> DispatchAsync() => _app.Services.GetRequiredService<OutboxDispatcher>().DispatchDueAsync(OutboxDispatcher.DefaultBatchSize, CancellationToken.None);

    public static TheoryData<string, string> Kinds()
    {
        var data = new TheoryData<string, string>();
        foreach (var template in NotificationTemplates.Known.Order(StringComparer.Ordinal))
        {
            data.Add(template, "zh-CN");
            data.Add(template, "en");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Each_notification_kind_reaches_its_recipients_with_the_key_facts(string template, string culture)
    {
        var (delivery, recipients) = await ProduceAsync(template, culture == "en" ? "en" : null);

        await DispatchAsync();

        var mails = _smtp.WithTemplate(template).Where(m => m.Headers["X-Delivery"] is null).ToList();
        mails.Select(m => m.To.Mailboxes.Single().Address).Should().BeEquivalentTo(recipients, $"{template} goes to exactly these recipients");
        foreach (var mail in mails)
        {
            var forParty = mail.To.Mailboxes.Single().Address != Reviewers;
            var english = forParty && culture == "en";
            var text = mail.TextBody;
            mail.Subject.Should().NotBeNullOrWhiteSpace();
            mail.Subject.Should().Contain(template.StartsWith("ticket_", StringComparison.Ordinal) ? "验收争议" : "数据库迁移服务", "the subject names the product (or the ticket)");
            text.Should().Contain(delivery.OrderId).And.Contain("数据库迁移服务").And.Contain("张三").And.Contain("云迁科技");
            text.Should().Contain($"https://market.example/delivery-center/deliveries/{delivery.Id}");
            text.Should().Contain(english ? "Stage:" : "当前状态：");
            text.Should().StartWith(english ? "Hello " : string.Empty).And.NotContain("{{").And.NotContain("{%");
            mail.HtmlBody.Should().Contain("<html").And.Contain($"/deliveries/{delivery.Id}").And.NotContain("&#x");
            mail.MessageId.Should().StartWith("outbox-").And.EndWith("@market.example");
            mail.From.Mailboxes.Single().Address.Should().Be("noreply@market.example");
        }

        Expectations(template, culture, mails);
    }

    [Fact]
    public async Task A_full_delivery_sends_exactly_one_mail_per_event_and_a_second_pass_sends_nothing()
    {
        var delivery = await _app.AtAsync("accepting");
        await _app.AdvanceAsync(TimeSpan.FromDays(12));
        await _app.ActAsync(Buyer, delivery.Id, "reject_delivery");
        await _app.ActAsync(Provider, delivery.Id, "submit_for_acceptance");
        await _app.ActAsync(Buyer, delivery.Id, "accept");

        var sent = await DispatchAsync();
        var again = await DispatchAsync();

        await using var db = _app.Db();
        var rows = await db.Outbox.Where(o => o.DeliveryId == delivery.Id).ToListAsync();
        rows.Should().OnlyContain(r => r.Status == "sent" && r.Attempts == 1);
        sent.Should().Be(rows.Count);
        again.Should().Be(0);
        _smtp.Messages.Should().HaveCount(rows.Count);
        _smtp.Messages.Select(m => m.MessageId).Should().OnlyHaveUniqueItems();
        _smtp.Messages.Select(m => (m.Headers["X-ServiceDelivery-Template"], m.To.Mailboxes.Single().Address)).Should().BeEquivalentTo(new[]
        {
            ("delivery_started", "buyer@example.com"), ("delivery_started", "ops@provider.example"),
            ("requirement_submitted", "ops@provider.example"), ("requirement_confirmed", "buyer@example.com"),
            ("submitted_for_acceptance", "buyer@example.com"), ("acceptance_reminder", "buyer@example.com"),
            ("delivery_rejected", "ops@provider.example"), ("submitted_for_acceptance", "buyer@example.com"),
            ("accepted", "ops@provider.example"),
        });
    }

    [Fact]
    public async Task When_smtp_is_down_mails_wait_and_each_arrives_exactly_once_when_it_is_back()
    {
        await _smtp.StopAsync();
        var delivery = await _app.AtAsync("requirement_confirming");

        (await DispatchAsync()).Should().Be(0);
        await using (var db = _app.Db())
        {
            var rows = await db.Outbox.Where(o => o.DeliveryId == delivery.Id).ToListAsync();
            rows.Should().HaveCount(3).And.OnlyContain(r => r.Status == "pending" && r.Attempts == 1 && r.LastError!.Contains("unreachable"));
            rows.Should().OnlyContain(r => r.NextAttemptAt == _app.Clock.Now() + TimeSpan.FromSeconds(30), "the first retry waits the base delay");
        }

        _smtp.Resume();
        (await DispatchAsync()).Should().Be(0, "nothing is due before the backoff has passed");
        _app.Clock.Advance(TimeSpan.FromSeconds(30));
        (await DispatchAsync()).Should().Be(3);
        (await DispatchAsync()).Should().Be(0);

        _smtp.Messages.Should().HaveCount(3);
        _smtp.Messages.Select(m => m.MessageId).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task After_the_last_attempt_a_mail_is_failed_and_a_retry_sends_it_once()
    {
        await _smtp.StopAsync();
        var delivery = await _app.StartAsync();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await DispatchAsync();
            _app.Clock.Advance(TimeSpan.FromHours(1));
        }

        await using (var db = _app.Db())
        {
            (await db.Outbox.Where(o => o.DeliveryId == delivery.Id).Select(o => new { o.Status, o.Attempts }).ToListAsync())
                .Should().HaveCount(2).And.OnlyContain(r => r.Status == "failed" && r.Attempts == 3);
        }

        _smtp.Resume();
        (await DispatchAsync()).Should().Be(0, "a failed mail waits for an operator");
        var failed = await _app.InScope(sp => sp.GetRequiredService<Application.Notifications.NotificationAdmin>().ListAsync(Platform, "failed", null, null, CancellationToken.None));
        foreach (var row in failed.Unwrap().Items)
        {
            (await _app.InScope(sp => sp.GetRequiredService<Application.Notifications.NotificationAdmin>().RetryAsync(Platform, row.Id, CancellationToken.None))).IsSuccess.Should().BeTrue();
        }

        (await DispatchAsync()).Should().Be(2);
        _smtp.Messages.Should().HaveCount(2);
    }

    [Fact]
    public async Task A_mail_that_cannot_be_built_is_failed_at_once_instead_of_retried_forever()
    {
        var delivery = await _app.StartAsync();
        await using (var db = _app.Db())
        {
            var row = await db.Outbox.OrderBy(o => o.Id).FirstAsync(o => o.DeliveryId == delivery.Id);
            row.RecipientAddress = "张三 <buyer@example.com"; // what no mail library can parse
            await db.SaveChangesAsync();
        }

        (await DispatchAsync()).Should().Be(1, "the other recipient's mail still goes");

        await using var check = _app.Db();
        var rows = await check.Outbox.Where(o => o.DeliveryId == delivery.Id).OrderBy(o => o.Id).ToListAsync();
        rows[0].Status.Should().Be("failed");
        rows[0].Attempts.Should().Be(1);
        rows[0].LastError.Should().NotBeNullOrEmpty();
        rows[1].Status.Should().Be("sent");
    }

    [Fact]
    public async Task Two_senders_never_send_the_same_mail()
    {
        for (var i = 0; i < 10; i++)
        {
            await _app.AtAsync("requirement_confirming");
        }

        var dispatcher = _app.Services.GetRequiredService<OutboxDispatcher>();
        var counts = await Task.WhenAll(
            Task.Run(() => dispatcher.DispatchDueAsync(100, CancellationToken.None)),
            Task.Run(() => dispatcher.DispatchDueAsync(100, CancellationToken.None)));

        counts.Sum().Should().Be(30);
        _smtp.Messages.Should().HaveCount(30);
        _smtp.Messages.Select(m => m.MessageId).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Deadlines_are_written_in_the_recipients_time_zone()
    {
        var request = _app.Order() with { Buyer = new OrderParty("u-1001", "张三", "buyer@example.com", "en", "Europe/Berlin") };
        var delivery = (await _app.TryStartAsync(request)).Unwrap().Delivery;
        await _app.ActAsync(Buyer, delivery.Id, "submit_requirement");
        await _app.ActAsync(Provider, delivery.Id, "confirm_requirement");
        await _app.ActAsync(Provider, delivery.Id, "submit_for_acceptance");

        await DispatchAsync();

        // Due 2026-12-11 10:00 UTC: 11:00 in Berlin (CET).
        _smtp.WithTemplate("submitted_for_acceptance").Single().TextBody.Should().Contain("2026-12-11 11:00 (Europe/Berlin)");
    }

    /// <summary>Drives a delivery until <paramref name="template"/> is produced; returns it and who must get the mail.</summary>
    private async Task<(DeliveryView Delivery, string[] Recipients)> ProduceAsync(string template, string? locale)
    {
        const string BuyerMail = "buyer@example.com";
        const string ProviderMail = "ops@provider.example";
        async Task<DeliveryView> At(string stage) => await _app.AtAsync(stage, locale);
        async Task Flush()
        {
            // Earlier steps' mails are sent and forgotten, so only the mail under test is looked at.
            await DispatchAsync();
            foreach (var message in _smtp.Messages)
            {
                message.Headers.Add("X-Delivery", "earlier");
            }
        }

        async Task<TicketView> Ticket(DeliveryView d, string category = "acceptance_dispute")
        {
            await Flush();
            return (await _app.InScope(sp => sp.GetRequiredService<TicketCommands>().OpenAsync(Buyer, d.Id, new OpenTicketRequest(category, "验收争议", "交付物与需求不符", []), CancellationToken.None))).Unwrap();
        }

        async Task<DeliveryView> Then(DeliveryView d, Caller caller, string action)
        {
            await Flush();
            return await _app.ActAsync(caller, d.Id, action);
        }

        switch (template)
        {
            case "delivery_started": return (await At("requirement_pending"), [BuyerMail, ProviderMail]);
            case "requirement_submitted": return (await Then(await At("requirement_pending"), Buyer, "submit_requirement"), [ProviderMail]);
            case "requirement_edited": return (await Then(await At("requirement_confirming"), Buyer, "edit_requirement"), [ProviderMail]);
            case "requirement_confirmed": return (await Then(await At("requirement_confirming"), Provider, "confirm_requirement"), [BuyerMail]);
            case "requirement_rejected": return (await Then(await At("requirement_confirming"), Provider, "reject_requirement"), [BuyerMail]);
            case "progress_posted": return (await Then(await At("implementing"), Provider, "post_progress"), [BuyerMail]);
            case "submitted_for_acceptance": return (await Then(await At("implementing"), Provider, "submit_for_acceptance"), [BuyerMail]);
            case "acceptance_reminder":
                var reminded = await At("accepting");
                await Flush();
                await _app.AdvanceAsync(TimeSpan.FromDays(12));
                return (reminded, [BuyerMail]);
            case "accepted": return (await Then(await At("accepting"), Buyer, "accept"), [ProviderMail]);
            case "auto_accepted":
                var auto = await At("accepting");
                await Flush();
                await _app.AdvanceAsync(TimeSpan.FromDays(12) + TimeSpan.FromHours(1));
                await Flush();
                await _app.AdvanceAsync(TimeSpan.FromDays(3));
                return (auto, [BuyerMail, ProviderMail]);
            case "delivery_rejected": return (await Then(await At("accepting"), Buyer, "reject_delivery"), [ProviderMail]);
            case "refund_requested": return (await Then(await At("requirement_pending"), Buyer, "request_refund"), [Reviewers, ProviderMail]);
            case "refund_approved": return (await Then(await At("refunding"), Platform, "approve_refund"), [BuyerMail, ProviderMail]);
            case "refund_rejected": return (await Then(await At("refunding"), Platform, "reject_refund"), [BuyerMail, ProviderMail]);
            case "delivery_moved":
            case "delivery_closed":
                var moved = await At("implementing");
                await Flush();
                (await _app.InterveneAsync(new InterveneRequest(moved.Id, template == "delivery_moved" ? "move" : "close", template == "delivery_moved" ? "requirement_confirming" : null, "平台处理"))).Unwrap();
                return (moved, [BuyerMail, ProviderMail]);
            case "delivery_force_completed":
                var forced = await At("accepting");
                var forcedTicket = await Ticket(forced);
                await Flush();
                (await _app.ResolveTicketAsync(forcedTicket.Id, "force_complete")).Unwrap();
                return (forced, [BuyerMail, ProviderMail]);
            case "ticket_opened":
                var opened = await At("accepting");
                await Ticket(opened);
                return (opened, [Reviewers, ProviderMail]);
            case "ticket_answered":
                var answered = await At("accepting");
                var thread = await Ticket(answered);
                await Flush();
                (await _app.InScope(sp => sp.GetRequiredService<TicketCommands>().PostMessageAsync(Provider, thread.Id, new PostTicketMessageRequest("我们正在核实", []), CancellationToken.None))).Unwrap();
                return (answered, [Reviewers, BuyerMail]);
            case "ticket_resolved":
                var resolved = await At("accepting");
                var settled = await Ticket(resolved);
                await Flush();
                (await _app.ResolveTicketAsync(settled.Id, "no_change")).Unwrap();
                return (resolved, [BuyerMail, ProviderMail]);
            default:
                throw new ArgumentOutOfRangeException(nameof(template), template, "Add a scenario for the new notification kind.");
        }
    }

    /// <summary>What each kind must tell its reader beyond the common facts.</summary>
    private static void Expectations(string template, string culture, List<MimeMessage> mails)
    {
        var party = mails.FirstOrDefault(m => m.To.Mailboxes.Single().Address != Reviewers) ?? mails[0];
        var en = culture == "en";
        var text = party.TextBody;
        switch (template)
        {
            case "requirement_submitted":
                text.Should().Contain("把 MySQL 5.7 迁移到云数据库");
                break;
            case "requirement_rejected":
                text.Should().Contain("需求超出服务范围").And.Contain(en ? "request a refund" : "申请退款");
                break;
            case "submitted_for_acceptance":
                text.Should().Contain("2026-12-11 18:00 (Asia/Shanghai)", "the auto-acceptance deadline in the recipient's time zone");
                break;
            case "acceptance_reminder":
                party.Subject.Should().Contain("2026-12-11 18:00");
                break;
            case "refund_requested":
                mails.Single(m => m.To.Mailboxes.Single().Address == Reviewers).TextBody.Should().Contain("请审核退款申请").And.Contain("不再需要该服务");
                break;
            case "refund_approved":
                text.Should().Contain("1200.00 CNY");
                break;
            case "ticket_opened":
            case "ticket_answered":
            case "ticket_resolved":
                text.Should().Contain("验收争议");
                break;
        }

        party.Subject.Should().MatchRegex(en ? "^\\[[A-Za-z ]+\\]" : "^【", "the subject opens with the kind of event");
    }
}

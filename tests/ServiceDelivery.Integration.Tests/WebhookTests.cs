using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Infrastructure;
using ServiceDelivery.Infrastructure.Notifications;
using ServiceDelivery.Testing;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>Integration events to a local receiver: signed, once each, in order per delivery, retried on errors.</summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private TestWebhookReceiver _receiver = null!;
    private TestWebhookReceiver _refundsOnly = null!;
    private AppHarness _app = null!;

    public async Task InitializeAsync()
    {
        _receiver = await TestWebhookReceiver.StartAsync("billing-secret");
        _refundsOnly = await TestWebhookReceiver.StartAsync("invoicing-secret");
        var webhooks = new WebhookOptions();
        webhooks.Endpoints.Add(new WebhookEndpoint { Url = _receiver.Url, Secret = _receiver.Secret });
        var invoicing = new WebhookEndpoint { Url = _refundsOnly.Url, Secret = _refundsOnly.Secret };
        invoicing.Events.AddRange([IntegrationEvents.RefundRequested, IntegrationEvents.Refunded]);
        webhooks.Endpoints.Add(invoicing);
        _app = await AppHarness.CreateAsync(services =>
        {
            services.AddSingleton(webhooks);
            services.AddServiceDeliveryNotifications(new SmtpOptions(), NotificationTests.TemplatesRoot);
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
        await _refundsOnly.DisposeAsync();
    }

    private Task<int> DispatchAsync() => _app.Services.GetRequiredService<OutboxDispatcher>().DispatchDueAsync(OutboxDispatcher.DefaultBatchSize, CancellationToken.None);

    [Fact]
    public async Task Every_event_of_a_delivery_arrives_once_signed_and_in_order()
    {
        var completed = await _app.AtAsync("accepting");
        await _app.AdvanceAsync(TimeSpan.FromDays(15));
        var refunded = await _app.AtAsync("requirement_confirming");
        await _app.ActAsync(Buyer, refunded.Id, "request_refund");
        await _app.ActAsync(Platform, refunded.Id, "approve_refund");
        var ticket = (await _app.OpenTicketAsync(Buyer, completed.Id, "other")).Unwrap();
        (await _app.ResolveTicketAsync(ticket.Id, "no_change")).Unwrap();

        await DispatchAsync();
        await DispatchAsync();

        _receiver.Requests.Should().OnlyContain(r => r.SignatureValid && r.Status == 200);
        _receiver.Requests.Select(r => r.EventId).Should().OnlyHaveUniqueItems("each event arrives once");
        Types(completed.Id).Should().Equal(
            "delivery.started",
            "delivery.stage_changed", "delivery.stage_changed", "delivery.stage_changed",
            "delivery.stage_changed", "delivery.completed",
            "ticket.opened", "ticket.resolved");
        Types(refunded.Id).Should().Equal(
            "delivery.started", "delivery.stage_changed",
            "delivery.stage_changed", "delivery.refund_requested",
            "delivery.stage_changed", "delivery.refunded");
        var done = Event(completed.Id, "delivery.completed");
        done.GetProperty("data").GetProperty("completion").GetString().Should().Be("auto_accepted");
        done.GetProperty("delivery").GetProperty("status").GetString().Should().Be("completed");
        var refund = Event(refunded.Id, "delivery.refunded");
        refund.GetProperty("data").GetProperty("amount").GetDecimal().Should().Be(1200.00m);
        refund.GetProperty("delivery").GetProperty("refundAmount").GetDecimal().Should().Be(1200.00m);
        _refundsOnly.Requests.Select(r => r.Type).Should().Equal("delivery.refund_requested", "delivery.refunded");
        _refundsOnly.Requests.Select(r => r.EventId).Should().Equal(
            _receiver.Requests.Where(r => r.Type is "delivery.refund_requested" or "delivery.refunded").Select(r => r.EventId),
            "every endpoint's copy of an event carries the same id");
    }

    [Fact]
    public async Task Receiver_errors_are_retried_with_backoff_and_later_events_wait_their_turn()
    {
        _receiver.FailNext(2);
        var delivery = await _app.AtAsync("implementing");

        await DispatchAsync();
        _receiver.Accepted.Should().BeEmpty("the first event failed, and the delivery's later events wait behind it");
        _app.Clock.Advance(TimeSpan.FromSeconds(30));
        await DispatchAsync();
        _receiver.Accepted.Should().BeEmpty("the second attempt failed too");
        _app.Clock.Advance(TimeSpan.FromSeconds(60));
        await DispatchAsync();

        Types(delivery.Id).Should().Equal("delivery.started", "delivery.stage_changed", "delivery.stage_changed");
        _receiver.Requests.Should().HaveCount(5, "two failed attempts, then each of the three events once");
        await using var db = _app.Db();
        (await db.Outbox.Where(o => o.Kind == "webhook" && o.RecipientAddress == _receiver.Url).OrderBy(o => o.Id).Select(o => o.Attempts).ToListAsync())
            .Should().Equal(3, 1, 1);
    }

    [Fact]
    public async Task A_refused_event_fails_and_holds_the_next_back_until_an_operator_retries_it()
    {
        var billing = _receiver;
        _receiver = await TestWebhookReceiver.StartAsync("wrong-secret-so-every-request-is-401");
        var webhooks = _app.Services.GetRequiredService<WebhookOptions>();
        webhooks.Endpoints[0].Url = _receiver.Url;
        var delivery = await _app.AtAsync("requirement_confirming");

        await DispatchAsync();

        await using var db = _app.Db();
        async Task<List<(string Status, int Attempts)>> Rows() => (await db.Outbox.AsNoTracking()
            .Where(o => o.DeliveryId == delivery.Id && o.Kind == "webhook" && o.RecipientAddress == _receiver.Url).OrderBy(o => o.Id)
            .Select(o => new { o.Status, o.Attempts }).ToListAsync()).Select(r => (r.Status, r.Attempts)).ToList();
        (await Rows()).Should().Equal(("failed", 1), ("pending", 0));

        // The receiver is fixed (it now verifies with the right secret); the operator retries the failed event.
        await _receiver.DisposeAsync();
        _receiver = await TestWebhookReceiver.StartAsync(billing.Secret);
        await db.Outbox.Where(o => o.Kind == "webhook").ExecuteUpdateAsync(s => s.SetProperty(o => o.RecipientAddress, _receiver.Url));
        webhooks.Endpoints[0].Url = _receiver.Url;
        var failed = await db.Outbox.AsNoTracking().Where(o => o.DeliveryId == delivery.Id && o.Status == "failed").SingleAsync();
        (await _app.InScope(sp => sp.GetRequiredService<Application.Notifications.NotificationAdmin>().RetryAsync(Platform, failed.Id, CancellationToken.None))).IsSuccess.Should().BeTrue();
        await DispatchAsync();

        Types(delivery.Id).Should().Equal("delivery.started", "delivery.stage_changed");
        await billing.DisposeAsync();
    }

    [Fact]
    public async Task Without_an_smtp_server_mails_are_logged_and_count_as_sent()
    {
        var delivery = await _app.AtAsync("requirement_confirming");

        await DispatchAsync();

        await using var db = _app.Db();
        (await db.Outbox.Where(o => o.DeliveryId == delivery.Id && o.Kind == "email").Select(o => o.Status).ToListAsync())
            .Should().HaveCount(3).And.OnlyContain(s => s == "sent");
    }

    [Fact]
    public void Every_known_notification_has_a_template_in_both_languages_and_no_template_is_orphaned()
    {
        foreach (var culture in new[] { "zh-CN", "en" })
        {
            var files = Directory.GetFiles(Path.Combine(NotificationTests.TemplatesRoot, culture), "*.liquid").Select(Path.GetFileNameWithoutExtension).ToList();
            files.Where(f => !f!.StartsWith('_')).Should().BeEquivalentTo(Engine.Definitions.NotificationTemplates.Known, culture);
            files.Should().Contain(["_layout.text", "_layout.html"]);
        }
    }

    private List<string> Types(Guid deliveryId) =>
        [.. _receiver.Accepted.Where(r => r.DeliveryId == deliveryId).Select(r => r.Type)];

    private JsonElement Event(Guid deliveryId, string type) =>
        _receiver.Accepted.Single(r => r.DeliveryId == deliveryId && r.Type == type).Body;
}

using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Testing;
using static ServiceDelivery.Api.Tests.Api;

namespace ServiceDelivery.Api.Tests;

/// <summary>The operators' side of mail: a failed notification is listed and a retry through the API sends it.</summary>
public sealed class NotificationApiTests : IAsyncLifetime
{
    private TestSmtpServer _smtp = null!;
    private ApiFixture _api = null!;

    public async Task InitializeAsync()
    {
        _smtp = TestSmtpServer.Start();
        _api = await ApiFixture.CreateAsync(new Dictionary<string, string?>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notifications:MaxAttempts"] = "2",
        });
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    private Task<int> DispatchAsync() => _api.Host.Services.GetRequiredService<OutboxDispatcher>().DispatchDueAsync(50, CancellationToken.None);

    [Fact]
    public async Task A_notification_that_exhausted_its_attempts_is_listed_as_failed_and_a_retry_sends_it_once()
    {
        await _smtp.StopAsync();
        var id = await _api.AtAsync("requirement_pending");
        await DispatchAsync();
        await _api.As(Platform).PostAsync("/api/v1/dev/clock/advance", new { by = "PT1H" });
        await DispatchAsync();

        var failed = (await _api.As(Platform).GetAsync("/api/v1/notifications?status=failed")).ShouldBe(HttpStatusCode.OK).Body.GetProperty("items");
        failed.GetArrayLength().Should().Be(2);
        failed.EnumerateArray().Should().OnlyContain(n => n.GetProperty("deliveryId").GetGuid() == id && n.GetProperty("attempts").GetInt32() == 2 && n.GetProperty("topic").GetString() == "delivery_started");
        failed[0].GetProperty("lastError").GetString().Should().Contain("unreachable");

        _smtp.Resume();
        foreach (var notification in failed.EnumerateArray())
        {
            (await _api.As(Platform).PostAsync($"/api/v1/notifications/{notification.GetProperty("id").GetInt64()}/retry", null)).ShouldBe(HttpStatusCode.OK);
        }

        (await DispatchAsync()).Should().Be(2);
        (await DispatchAsync()).Should().Be(0);
        _smtp.WithTemplate("delivery_started").Select(m => m.To.Mailboxes.Single().Address).Should().BeEquivalentTo(["buyer@example.com", "ops@provider.example"]);
        (await _api.As(Platform).GetAsync("/api/v1/notifications?status=sent")).Body.GetProperty("items").GetArrayLength().Should().Be(2);
    }
}

using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;

namespace ServiceDelivery.Api.Tests;

/// <summary>Drives deliveries through the host's own application services (the HTTP API is tested elsewhere).</summary>
public static class HostTestData
{
    /// <summary>A one-stage process whose only timer falls due <paramref name="after"/> (ISO-8601) after the start: timers in real time.</summary>
    public static string QuickDrill(string after) => $$"""
        {
          "key": "quick-drill",
          "name": { "zh-CN": "快速定时器演练" },
          "initialStage": "waiting",
          "stages": [
            { "key": "waiting", "name": { "zh-CN": "等待" }, "status": "active", "actions": ["expire"],
              "timers": [ { "key": "expiry", "after": "{{after}}", "perform": "expire" } ] },
            { "key": "expired", "name": { "zh-CN": "已过期" }, "status": "closed" }
          ],
          "actions": [ { "key": "expire", "name": { "zh-CN": "过期" }, "roles": ["platform"], "to": "expired" } ],
          "forms": []
        }
        """;

    public static readonly Caller Marketplace = Caller.Of("marketplace", "云市场", Caller.Marketplace);
    public static readonly Caller Buyer = Caller.Of("u-1001", "张三", Caller.Buyer);
    public static readonly Caller Provider = Caller.ProviderStaff("s-2001", "李四", "p-2001");
    public static readonly Caller Platform = Caller.Of("op-1", "王五", Caller.Platform);

    public static StartDeliveryRequest Order(string orderId, string? definitionKey = null) => new(
        orderId,
        new OrderProduct("prod-db-migration", "数据库迁移服务", "标准版"),
        new OrderParty("u-1001", "张三", "buyer@example.com"),
        new OrderParty("p-2001", "云迁科技", "ops@provider.example"),
        1200.00m,
        100.00m,
        "CNY",
        new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero),
        definitionKey);

    /// <summary>A delivery in accepting (auto-acceptance running), made through the application services.</summary>
    public static async Task<DeliveryView> AcceptingAsync(IServiceProvider services, string orderId)
    {
        await using var scope = services.CreateAsyncScope();
        var commands = scope.ServiceProvider.GetRequiredService<DeliveryCommands>();
        var delivery = (await commands.StartAsync(Marketplace, Order(orderId), CancellationToken.None)).Unwrap().Delivery;
        foreach (var (caller, action, fields) in new (Caller, string, Dictionary<string, string>)[]
        {
            (Buyer, "submit_requirement", new() { ["description"] = "迁移数据库" }),
            (Provider, "confirm_requirement", []),
            (Provider, "submit_for_acceptance", new() { ["details"] = "已完成" }),
        })
        {
            delivery = (await commands.PerformAsync(caller, new PerformActionRequest(delivery.Id, action, fields, []), CancellationToken.None)).Unwrap();
        }

        return delivery;
    }
}

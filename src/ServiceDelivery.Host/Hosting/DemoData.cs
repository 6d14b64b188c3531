using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Host.Hosting;

/// <summary>
/// A delivery in every stage for the demo run, created through the same commands the API uses, so every row
/// (tasks, timers, log, outbox) is what real use would leave. Runs once: orders are DEMO-*.
/// </summary>
public sealed class DemoData(ServiceDeliveryDbContext db, DeliveryCommands deliveries, TicketCommands tickets, TimeProvider clock, ILogger<DemoData> logger)
{
    public sealed record DemoUser(string Id, string Name, string Email, string[] Roles, string? ProviderId = null);

    public static readonly DemoUser Buyer = new("u-1001", "张三", "zhangsan@buyer.example", [Application.Common.Caller.Buyer]);
    public static readonly DemoUser Provider = new("s-2001", "李四（云迁科技）", "lisi@provider.example", [Application.Common.Caller.Provider], "p-2001");
    public static readonly DemoUser Platform = new("op-3001", "王五（云市场服务监管）", "wangwu@platform.example", [Application.Common.Caller.Platform]);
    public static readonly DemoUser Designer = new("d-4001", "赵六（流程设计）", "zhaoliu@platform.example", [Application.Common.Caller.Designer]);
    public static readonly DemoUser Marketplace = new("marketplace", "云市场订单系统", "orders@marketplace.example", [Application.Common.Caller.Marketplace]);

    public static IReadOnlyList<DemoUser> Users { get; } = [Buyer, Provider, Platform, Designer, Marketplace];

    private static readonly (string Stage, (DemoUser Who, string Action)[] Path)[] Plan =
    [
        ("requirement_pending", []),
        ("requirement_confirming", [(Buyer, "submit_requirement")]),
        ("requirement_rejected", [(Buyer, "submit_requirement"), (Provider, "reject_requirement")]),
        ("implementing", [(Buyer, "submit_requirement"), (Provider, "confirm_requirement"), (Provider, "post_progress")]),
        ("accepting", [(Buyer, "submit_requirement"), (Provider, "confirm_requirement"), (Provider, "submit_for_acceptance")]),
        ("refunding", [(Buyer, "request_refund")]),
        ("completed", [(Buyer, "submit_requirement"), (Provider, "confirm_requirement"), (Provider, "submit_for_acceptance"), (Buyer, "accept")]),
        ("refunded", [(Buyer, "submit_requirement"), (Buyer, "request_refund"), (Platform, "approve_refund")]),
        ("closed", []),
    ];

    private static readonly string[] Products = ["数据库迁移服务", "安全加固服务", "上门培训服务", "网站部署服务", "等保测评咨询", "容器化改造", "性能调优服务", "数据恢复服务", "运维托管服务"];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await db.Deliveries.AnyAsync(d => d.OrderId.StartsWith("DEMO-"), cancellationToken))
        {
            return;
        }

        for (var i = 0; i < Plan.Length; i++)
        {
            var (stage, path) = Plan[i];
            var started = (await deliveries.StartAsync(AsCaller(Marketplace), Order(i, clock.GetUtcNow().AddHours(-1)), cancellationToken)).Unwrap().Delivery;
            foreach (var (who, action) in path)
            {
                (await deliveries.PerformAsync(AsCaller(who), new PerformActionRequest(started.Id, action, Fields(action), []), cancellationToken)).Unwrap();
            }

            if (stage == "closed")
            {
                (await deliveries.InterveneAsync(AsCaller(Platform), new InterveneRequest(started.Id, "close", null, "演示：买家联系平台取消订单"), cancellationToken)).Unwrap();
            }

            if (stage == "accepting")
            {
                (await tickets.OpenAsync(AsCaller(Buyer), started.Id, new OpenTicketRequest(TicketCategories.Other, "想确认交付文档的位置", "实施报告在哪里下载？", []), cancellationToken)).Unwrap();
            }
        }

        logger.LogInformation("Seeded {Count} demo deliveries, one in every stage", Plan.Length);
    }

    private static Caller AsCaller(DemoUser user) => new(user.Id, user.Name, user.Email, new HashSet<string>(user.Roles), user.ProviderId);

    private static StartDeliveryRequest Order(int i, DateTimeOffset paidAt) => new(
        $"DEMO-{i + 1:D4}",
        new OrderProduct($"prod-demo-{i + 1}", Products[i], "标准版"),
        new OrderParty(Buyer.Id, Buyer.Name, Buyer.Email),
        new OrderParty("p-2001", "云迁科技", "ops@provider.example"),
        1200.00m + (i * 100),
        100.00m,
        "CNY",
        paidAt);

    private static Dictionary<string, string> Fields(string action) => action switch
    {
        "submit_requirement" => new() { ["description"] = "请将自建 MySQL 5.7 迁移到云数据库，保留 binlog，停机窗口不超过 30 分钟。" },
        "reject_requirement" => new() { ["reason"] = "需求中缺少源库版本和数据量，请补充后重新提交。" },
        "post_progress" => new() { ["note"] = "已完成全量数据迁移，正在进行增量同步。" },
        "submit_for_acceptance" => new() { ["details"] = "迁移完成，数据校验一致，切换演练通过。实施报告见附件。" },
        "request_refund" => new() { ["reasonCode"] = "no_longer_needed", ["description"] = "项目取消，不再需要该服务。" },
        _ => [],
    };
}

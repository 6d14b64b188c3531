using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Evidence;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Integration.Tests;

/// <summary>The application layer on its own fresh PostgreSQL database, with a clock the test moves.</summary>
public sealed class AppHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The anchors' signing key of these tests (a new one per run).</summary>
    public static readonly string TestAnchorKey = ServiceDelivery.Evidence.AnchorKey.NewPrivateKeyPem();

    public static readonly Caller Marketplace = Caller.Of("marketplace", "云市场", Caller.Marketplace);
    public static readonly Caller Buyer = Caller.Of("u-1001", "张三", Caller.Buyer);
    public static readonly Caller OtherBuyer = Caller.Of("u-9999", "赵六", Caller.Buyer);
    public static readonly Caller Provider = Caller.ProviderStaff("s-2001", "李四", "p-2001");
    public static readonly Caller Platform = Caller.Of("op-1", "王五", Caller.Platform);

    private int _orders;

    private AppHarness(ServiceProvider services, AdjustableClock clock, string connectionString)
    {
        Services = services;
        Clock = clock;
        ConnectionString = connectionString;
    }

    public ServiceProvider Services { get; }

    public AdjustableClock Clock { get; }

    public string ConnectionString { get; }

    public static async Task<AppHarness> CreateAsync(Action<IServiceCollection>? configure = null)
    {
        var connectionString = await TestDatabase.CreateAsync("app");
        var clock = AdjustableClock.FrozenAt(T0);
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<TimeProvider>(clock)
            .AddServiceDeliveryApplication(connectionString);
        configure?.Invoke(services);
        services.TryAddSingleton(new EvidenceOptions { SigningKey = TestAnchorKey });
        services.TryAddSingleton(sp => new AnchorKeys(sp.GetRequiredService<EvidenceOptions>()));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ServiceDeliveryDbContext>>().CreateDbContext());
        return new AppHarness(services.BuildServiceProvider(), clock, connectionString);
    }

    /// <summary>Runs <paramref name="work"/> in its own scope, as one request would.</summary>
    public async Task<T> InScope<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public Task<Result<StartDeliveryResult>> TryStartAsync(StartDeliveryRequest request) =>
        InScope(sp => sp.GetRequiredService<DeliveryCommands>().StartAsync(Marketplace, request, CancellationToken.None));

    public async Task<DeliveryView> StartAsync(string? orderId = null, string? definitionKey = null) =>
        (await TryStartAsync(Order(orderId, definitionKey))).Unwrap().Delivery;

    public StartDeliveryRequest Order(string? orderId = null, string? definitionKey = null, string? locale = null) => new(
        orderId ?? $"ORD-{Interlocked.Increment(ref _orders):D6}",
        new OrderProduct("prod-db-migration", "数据库迁移服务", "标准版"),
        new OrderParty("u-1001", "张三", "buyer@example.com", locale),
        new OrderParty("p-2001", "云迁科技", "ops@provider.example", locale),
        1200.00m,
        100.00m,
        "CNY",
        T0.AddHours(-1),
        definitionKey);

    public Task<Result<DeliveryView>> TryActAsync(Caller caller, Guid deliveryId, string action, IReadOnlyDictionary<string, string>? fields = null, int? expectedVersion = null, string? idempotencyKey = null, IReadOnlyList<Guid>? attachments = null) =>
        InScope(sp => sp.GetRequiredService<DeliveryCommands>().PerformAsync(
            caller,
            new PerformActionRequest(deliveryId, action, fields ?? ValidFields(action), attachments ?? [], expectedVersion, idempotencyKey),
            CancellationToken.None));

    public async Task<DeliveryView> ActAsync(Caller caller, Guid deliveryId, string action, IReadOnlyDictionary<string, string>? fields = null) =>
        (await TryActAsync(caller, deliveryId, action, fields)).Unwrap();

    public Task<Result<DeliveryView>> InterveneAsync(InterveneRequest request) =>
        InScope(sp => sp.GetRequiredService<DeliveryCommands>().InterveneAsync(Platform, request, CancellationToken.None));

    public Task<Result<DeliveryView>> SetInvoiceAsync(Guid deliveryId, string status) =>
        InScope(sp => sp.GetRequiredService<DeliveryCommands>().SetInvoiceStatusAsync(Marketplace, deliveryId, status, null, CancellationToken.None));

    public Task<Result<TicketView>> OpenTicketAsync(Caller caller, Guid deliveryId, string category) =>
        InScope(sp => sp.GetRequiredService<TicketCommands>().OpenAsync(caller, deliveryId, new OpenTicketRequest(category, "验收争议", "交付物与需求不符", []), CancellationToken.None));

    public Task<Result<TicketView>> ResolveTicketAsync(Guid ticketId, string outcome, decimal? amount = null) =>
        InScope(sp => sp.GetRequiredService<TicketCommands>().ResolveAsync(Platform, ticketId, new ResolveTicketRequest(outcome, amount, "双方协商一致"), CancellationToken.None));

    public Task<Result<DeliveryView>> GetAsync(Caller caller, Guid deliveryId) =>
        InScope(sp => sp.GetRequiredService<DeliveryQueries>().GetAsync(caller, deliveryId, CancellationToken.None));

    /// <summary>Moves the clock and fires what fell due, as the jobs would.</summary>
    public async Task<int> AdvanceAsync(TimeSpan by)
    {
        Clock.Advance(by);
        return await Services.GetRequiredService<TimerFirer>().FireDueAsync(int.MaxValue, CancellationToken.None);
    }

    /// <summary>Drives a new delivery to <paramref name="stage"/> through the application.</summary>
    public async Task<DeliveryView> AtAsync(string stage, string? locale = null)
    {
        var delivery = (await TryStartAsync(Order(locale: locale))).Unwrap().Delivery;
        foreach (var (caller, action) in PathTo(stage))
        {
            delivery = await ActAsync(caller, delivery.Id, action);
        }

        delivery.Stage.Should().Be(stage);
        return delivery;
    }

    public ServiceDeliveryDbContext Db() => TestDatabase.Context(ConnectionString);

    public static IReadOnlyDictionary<string, string> ValidFields(string action) => action switch
    {
        "submit_requirement" or "edit_requirement" => new Dictionary<string, string> { ["description"] = "把 MySQL 5.7 迁移到云数据库" },
        "reject_requirement" => new Dictionary<string, string> { ["reason"] = "需求超出服务范围" },
        "post_progress" => new Dictionary<string, string> { ["note"] = "已完成全量迁移" },
        "submit_for_acceptance" => new Dictionary<string, string> { ["details"] = "迁移完成，校验通过" },
        "reject_delivery" => new Dictionary<string, string> { ["details"] = "增量同步未完成" },
        "request_refund" => new Dictionary<string, string> { ["reasonCode"] = "no_longer_needed", ["description"] = "项目取消" },
        "reject_refund" => new Dictionary<string, string> { ["note"] = "服务商已开始工作" },
        _ => new Dictionary<string, string>(),
    };

    public static IEnumerable<(Caller Caller, string Action)> PathTo(string stage) => stage switch
    {
        "requirement_pending" => [],
        "requirement_confirming" => [(Buyer, "submit_requirement")],
        "requirement_rejected" => [.. PathTo("requirement_confirming"), (Provider, "reject_requirement")],
        "implementing" => [.. PathTo("requirement_confirming"), (Provider, "confirm_requirement")],
        "accepting" => [.. PathTo("implementing"), (Provider, "submit_for_acceptance")],
        "completed" => [.. PathTo("accepting"), (Buyer, "accept")],
        "refunding" => [(Buyer, "request_refund")],
        "refunded" => [.. PathTo("refunding"), (Platform, "approve_refund")],
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await TestDatabase.DropAsync(ConnectionString);
    }
}

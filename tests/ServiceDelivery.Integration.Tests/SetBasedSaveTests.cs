using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Integration.Tests;

/// <summary>
/// The writer's set-based save stores exactly what EF's row-by-row save would (every column, to the microsecond, jsonb
/// and arrays included), keeps new rows in the order they were added, and refuses a delivery whose version moved.
/// </summary>
public sealed class SetBasedSaveTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Odd = AppHarness.T0.AddTicks(1_234_567); // sub-microsecond ticks on purpose

    private AppHarness _app = null!;

    public async Task InitializeAsync() => _app = await AppHarness.CreateAsync();

    public Task DisposeAsync() => _app.DisposeAsync().AsTask();

    [Fact]
    public async Task Rows_saved_set_based_equal_the_rows_ef_saves_one_by_one()
    {
        var byEf = (await _app.StartAsync("ORD-EF")).Id;
        var setBased = (await _app.StartAsync("ORD-SET")).Id;

        await ChangeEverythingAsync(byEf, db => db.SaveChangesAsync().ContinueWith(_ => true, TaskScheduler.Default));
        await ChangeEverythingAsync(setBased, db => db.SaveSetBasedAsync(CancellationToken.None));

        await using var read = _app.Db();
        var deliveries = await read.Deliveries.AsNoTracking().Where(d => d.Id == byEf || d.Id == setBased).ToDictionaryAsync(d => d.Id);
        deliveries[setBased].Should().BeEquivalentTo(deliveries[byEf], o => o.Excluding(d => d.Id).Excluding(d => d.OrderId).Excluding(d => d.OrderFingerprint));
        deliveries[setBased].UpdatedAt.Should().Be(AppHarness.T0.AddTicks(1_234_560), "timestamps keep microseconds, truncated as Npgsql writes them");

        (await Rows(read.Tasks, setBased)).Should().BeEquivalentTo(await Rows(read.Tasks, byEf), o => o.Excluding(t => t.Id).Excluding(t => t.DeliveryId));
        (await Rows(read.Timers, setBased)).Should().BeEquivalentTo(await Rows(read.Timers, byEf), o => o.Excluding(t => t.Id).Excluding(t => t.DeliveryId));
        (await read.ProcessLog.AsNoTracking().SingleAsync(l => l.DeliveryId == setBased && l.Seq == 7))
            .Should().BeEquivalentTo(await read.ProcessLog.AsNoTracking().SingleAsync(l => l.DeliveryId == byEf && l.Seq == 7), o => o.Excluding(l => l.Id).Excluding(l => l.DeliveryId));
        var outbox = await Probes(read, setBased);
        outbox.Should().BeEquivalentTo(await Probes(read, byEf), o => o.WithStrictOrdering().Excluding(m => m.Id).Excluding(m => m.DeliveryId));
        outbox.Select(o => o.Topic).Should().Equal(["probe-0", "probe-1", "probe-2", "probe-3", "probe-4"], "new rows are numbered in the order they were added (webhooks go out in that order)");
    }

    [Fact]
    public async Task A_delivery_whose_version_moved_since_it_was_read_is_not_saved()
    {
        var id = (await _app.StartAsync("ORD-STALE")).Id;
        await using var db = _app.Db();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var delivery = await db.Deliveries.SingleAsync(d => d.Id == id);
        await using (var other = _app.Db())
        {
            await other.Deliveries.Where(d => d.Id == id).ExecuteUpdateAsync(set => set.SetProperty(d => d.Version, d => d.Version + 1));
        }

        delivery.Stage = "implementing";
        delivery.Version++;
        db.ProcessLog.Add(Log(id, 99));

        (await db.SaveSetBasedAsync(CancellationToken.None)).Should().BeFalse("another writer moved the version on");
        await transaction.RollbackAsync();
        await using var read = _app.Db();
        (await read.Deliveries.SingleAsync(d => d.Id == id)).Stage.Should().Be("requirement_pending");
        (await read.ProcessLog.CountAsync(l => l.DeliveryId == id && l.Seq == 99)).Should().Be(0);
    }

    [Fact]
    public async Task Outside_a_transaction_nothing_is_saved()
    {
        await using var db = _app.Db();
        var act = () => db.SaveSetBasedAsync(CancellationToken.None);
        await act.Should().ThrowAsync<InvalidOperationException>();
    }

    /// <summary>Changes every column of the delivery, closes its task, and adds one row of each kind (five outbox rows).</summary>
    private async Task ChangeEverythingAsync(Guid id, Func<ServiceDeliveryDbContext, Task<bool>> save)
    {
        await using var db = _app.Db();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var d = await db.Deliveries.SingleAsync(x => x.Id == id);
        (d.ProductId, d.ProductName, d.ProductSpec) = ("prod-2", "数据库迁移服务 \"专业版\"", null);
        (d.BuyerId, d.BuyerName, d.BuyerEmail, d.BuyerLocale, d.BuyerTimeZone) = ("u-2", "李 \\ 四", "b@example.com", "en", "Europe/Berlin");
        (d.ProviderId, d.ProviderName, d.ProviderEmail, d.ProviderLocale, d.ProviderTimeZone) = ("p-2", "服务商", "p@example.com", "zh-CN", "Asia/Shanghai");
        (d.PaidAmount, d.CouponAmount, d.Currency, d.PaidAt, d.InvoiceStatus) = (1234.56m, 0.01m, "USD", Odd.AddDays(-1), "issued");
        (d.Stage, d.StageEnteredAt, d.ReturnStage, d.Status, d.RefundAmount) = ("implementing", Odd, "requirement_pending", "active", 99.99m);
        (d.Version, d.LastLogSeq, d.CreatedAt, d.UpdatedAt) = (d.Version + 1, 7, Odd.AddDays(-2), Odd);
        d.LogHead = [0x00, 0xff, 0x5c, 0x78, .. new byte[28]]; // bytea, with the bytes of "\x" among them

        var task = await db.Tasks.FirstAsync(t => t.DeliveryId == id);
        task.ClosedAt = Odd;
        db.Tasks.Add(new TaskRecord { Id = Guid.NewGuid(), DeliveryId = id, Role = "provider", AssigneeId = null, Stage = "implementing", OpenedAt = Odd });
        db.Timers.Add(new TimerRecord
        {
            Id = Guid.NewGuid(), DeliveryId = id, Key = "auto_accept", Stage = "accepting", State = "frozen", DueAt = null,
            Remaining = TimeSpan.FromDays(11) - TimeSpan.FromTicks(1_234_567), FrozenBy = 3, CreatedAt = Odd, EndedAt = null,
        });
        db.Timers.Add(new TimerRecord
        {
            Id = Guid.NewGuid(), DeliveryId = id, Key = "reminder", Stage = "accepting", State = "running", DueAt = Odd.AddDays(3),
            Remaining = TimeSpan.FromTicks(-15), FrozenBy = 0, CreatedAt = Odd, EndedAt = Odd,
        });
        db.ProcessLog.Add(Log(id, 7));
        for (var i = 0; i < 5; i++)
        {
            db.Outbox.Add(new OutboxRecord
            {
                Kind = i % 2 == 0 ? "email" : "webhook", DeliveryId = id, Topic = $"probe-{i}", RecipientRole = "buyer", RecipientAddress = "b@example.com",
                RecipientName = i == 0 ? null : "张三", Culture = "zh-CN", TimeZone = "Asia/Shanghai", Payload = """{"事件":"验收","n":[1,2.5,null],"s":"a\"b"}""",
                Status = "pending", Attempts = i, NextAttemptAt = Odd.AddMinutes(i), LockedUntil = i == 1 ? Odd : null, LastError = i == 2 ? "超时" : null,
                CreatedAt = Odd, SentAt = null,
            });
        }

        (await save(db)).Should().BeTrue();
        await transaction.CommitAsync();
    }

    private static LogRecord Log(Guid id, int seq) => new()
    {
        DeliveryId = id, Seq = seq, At = Odd, ActorId = "u-1001", ActorName = "张三", ActorRole = "buyer", Action = "submit_requirement",
        FromStage = null, ToStage = "implementing", Data = new() { ["description"] = "迁移 \"库\" \\ 换行\n完成", ["空"] = string.Empty },
        InternalData = new() { ["note"] = "内部" }, AttachmentIds = [Guid.Parse("0194c3a0-0000-7000-8000-000000000001"), Guid.Parse("0194c3a0-0000-7000-8000-000000000002")], Timer = "auto_accept",
        InternalSalt = [1, 2, 3], Hash = [0xde, 0xad, 0xbe, 0xef],
    };

    private static Task<List<OutboxRecord>> Probes(ServiceDeliveryDbContext db, Guid deliveryId) =>
        db.Outbox.AsNoTracking().Where(o => o.DeliveryId == deliveryId && o.Topic.StartsWith("probe-")).OrderBy(o => o.Id).ToListAsync();

    private static Task<List<T>> Rows<T>(DbSet<T> table, Guid deliveryId)
        where T : class =>
        table.AsNoTracking().Where(r => EF.Property<Guid>(r, "DeliveryId") == deliveryId).OrderBy(r => EF.Property<object>(r, "Id")).ToListAsync();
}

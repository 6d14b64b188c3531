using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using ServiceDelivery.Application;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Evidence;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;

// The evidence benchmark, in one run on one machine (benchmarks/evidence/run.sh builds and runs it):
//   1. pgbench tpcb-like on the same private PostgreSQL, as the reference;
//   2. verify: one delivery driven through the write path (DeliveryCommands) to 1,000 log entries, anchored, then
//      LogVerifier.VerifyAsync timed many times (median, p95);
//   3. anchor: 1,000,000 deliveries with one chained log row each (bulk SQL) in the period, then LogAnchoring.AnchorAsync
//      timed, with this process's peak working set during it.
// Usage: dotnet ServiceDelivery.EvidenceBench.dll [--entries 1000] [--verifies 200] [--deliveries 1000000] [--pgbench 30]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var entries = Option("--entries", 1_000);
var verifies = Option("--verifies", 200);
var deliveries = Option("--deliveries", 1_000_000);
var pgbenchSeconds = Option("--pgbench", 30);
var loadBefore = LoadAverage();
var t0 = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
var platform = Caller.Of("op-bench", "监管", Caller.Platform);
var buyer = Caller.Of("u-1001", "张三", Caller.Buyer);
var provider = Caller.ProviderStaff("s-2001", "李四", "p-2001");

// 1. The reference, on the server the next two steps use.
var verifyDatabase = await TestDatabase.CreateAsync("evidence_verify");
var tps = await PgbenchAsync(verifyDatabase, pgbenchSeconds);
Log($"pgbench tpcb-like (-c 8 -j 2 -T {pgbenchSeconds}): {tps:0} TPS");

// 2. Verify one delivery of `entries` entries.
var clock = AdjustableClock.FrozenAt(t0);
double[] verifyMs;
double driveSeconds;
var breakdown = string.Empty;
LogVerification verification;
await using (var services = Services(verifyDatabase, clock))
{
    var watch = Stopwatch.StartNew();
    var delivery = (await InScope(services, sp => sp.GetRequiredService<DeliveryCommands>().StartAsync(
        Caller.Of("marketplace", "云市场", Caller.Marketplace),
        new StartDeliveryRequest("ORD-EVIDENCE-1", new OrderProduct("prod-db-migration", "数据库迁移服务", "标准版"),
            new OrderParty("u-1001", "张三", "buyer@example.com"), new OrderParty("p-2001", "云迁科技", "ops@provider.example"),
            1200.00m, 100.00m, "CNY", t0.AddHours(-1)),
        CancellationToken.None))).Unwrap().Delivery;
    var id = delivery.Id;
    await ActAsync(buyer, "submit_requirement", new Dictionary<string, string> { ["description"] = "把 MySQL 5.7 迁移到云数据库" });
    await ActAsync(provider, "confirm_requirement", new Dictionary<string, string>());
    var written = await LogCountAsync(verifyDatabase, id);
    for (var i = written; i < entries; i++)
    {
        await ActAsync(provider, "post_progress", new Dictionary<string, string> { ["note"] = $"第 {i} 次进展：已完成第 {i} 批表的迁移与校验" });
    }

    driveSeconds = watch.Elapsed.TotalSeconds;
    written = await LogCountAsync(verifyDatabase, id);
    Log($"verify: delivery {id} has {written} entries, written through DeliveryCommands in {driveSeconds:0.0} s ({written / driveSeconds:0} actions/s, one client)");
    clock.Advance(TimeSpan.FromMinutes(1));
    var anchor = await services.GetRequiredService<LogAnchoring>().AnchorAsync(clock.GetUtcNow(), "bench", CancellationToken.None)
        ?? throw new InvalidOperationException("no anchor");
    Log($"verify: anchor {anchor.Seq} over {anchor.Size} deliveries");

    var verifier = services.GetRequiredService<LogVerifier>();
    verification = (await verifier.VerifyAsync(platform, id, CancellationToken.None)).Unwrap();
    if (!verification.Valid || verification.Entries != entries || verification.AnchoredThrough != entries)
    {
        throw new InvalidOperationException($"the delivery does not verify as expected: {verification}");
    }

    for (var i = 0; i < 20; i++)
    {
        (await verifier.VerifyAsync(platform, id, CancellationToken.None)).Unwrap();
    }

    verifyMs = new double[verifies];
    for (var i = 0; i < verifies; i++)
    {
        var one = Stopwatch.GetTimestamp();
        (await verifier.VerifyAsync(platform, id, CancellationToken.None)).Unwrap();
        verifyMs[i] = Stopwatch.GetElapsedTime(one).TotalMilliseconds;
    }

    Array.Sort(verifyMs);
    Log($"verify: {verifies} runs, median {Percentile(verifyMs, 50):0.00} ms, p95 {Percentile(verifyMs, 95):0.00} ms, max {verifyMs[^1]:0.00} ms");

    // Where a verify's time goes: the log's rows through EF Core, and recomputing the chain over them (CPU only).
    var contexts = services.GetRequiredService<IDbContextFactory<ServiceDeliveryDbContext>>();
    var loadMs = new double[Math.Max(1, verifies / 2)];
    List<ServiceDelivery.Persistence.Entities.LogRecord> rows = [];
    for (var i = 0; i < loadMs.Length; i++)
    {
        var one = Stopwatch.GetTimestamp();
        await using var db = await contexts.CreateDbContextAsync();
        rows = await db.ProcessLog.AsNoTracking().Where(l => l.DeliveryId == id).OrderBy(l => l.Seq).ToListAsync();
        loadMs[i] = Stopwatch.GetElapsedTime(one).TotalMilliseconds;
    }

    var chainMs = new double[loadMs.Length];
    for (var i = 0; i < chainMs.Length; i++)
    {
        var one = Stopwatch.GetTimestamp();
        var check = ServiceDelivery.Evidence.LogChain.Verify([.. rows.Select(e => (new ServiceDelivery.Evidence.ChainEntry(e.DeliveryId, e.Seq, e.At, e.ActorId, e.ActorName, e.ActorRole, e.Action,
            e.FromStage, e.ToStage, e.Timer, e.Data, ServiceDelivery.Evidence.ChainEntry.HashInternal(e.InternalSalt!, e.InternalData), []), e.Hash!))]);
        chainMs[i] = Stopwatch.GetElapsedTime(one).TotalMilliseconds;
        if (!check.Valid)
        {
            throw new InvalidOperationException("the chain does not verify");
        }
    }

    Array.Sort(loadMs);
    Array.Sort(chainMs);
    breakdown = $"of which the {rows.Count} log rows through EF Core {Percentile(loadMs, 50):0.0} ms, the chain recomputed {Percentile(chainMs, 50):0.0} ms (medians)";
    Log($"verify: {breakdown}");

    Task ActAsync(Caller caller, string action, Dictionary<string, string> fields)
    {
        clock.Advance(TimeSpan.FromSeconds(1));
        return InScope(services, async sp => (await sp.GetRequiredService<DeliveryCommands>().PerformAsync(
            caller, new PerformActionRequest(id, action, fields, []), CancellationToken.None)).Unwrap());
    }
}

await TestDatabase.DropAsync(verifyDatabase);

// 3. The daily anchor over `deliveries` changed deliveries.
var anchorDatabase = await TestDatabase.CreateAsync("evidence_anchor");
var dayStart = t0.AddDays(-1);
var seedWatch = Stopwatch.StartNew();
await SeedAsync(anchorDatabase, deliveries, dayStart);
Log($"anchor: seeded {deliveries} deliveries with one log row each in {seedWatch.Elapsed.TotalSeconds:0} s");
double anchorSeconds;
long peakMb, allocatedMb, baselineMb;
AnchorView anchored;
await using (var services = Services(anchorDatabase, AdjustableClock.FrozenAt(t0)))
{
    var anchoring = services.GetRequiredService<LogAnchoring>();
    GC.Collect();
    ResetPeakWorkingSet();
    baselineMb = PeakWorkingSetMb();
    var allocated = GC.GetTotalAllocatedBytes(precise: true);
    var watch = Stopwatch.StartNew();
    anchored = await anchoring.AnchorAsync(t0, "bench", CancellationToken.None) ?? throw new InvalidOperationException("no anchor");
    anchorSeconds = watch.Elapsed.TotalSeconds;
    peakMb = PeakWorkingSetMb();
    allocatedMb = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024 / 1024;
    if (anchored.Size != deliveries)
    {
        throw new InvalidOperationException($"anchor has {anchored.Size} leaves, expected {deliveries}");
    }

    Log($"anchor: {anchored.Size} leaves in {anchorSeconds:0.0} s; working set before {baselineMb} MB, peak during {peakMb} MB; {allocatedMb} MB allocated");
}

await TestDatabase.DropAsync(anchorDatabase);

Console.WriteLine($"pgbench tpcb-like (-c 8 -j 2 -T {pgbenchSeconds}), same PostgreSQL, same run: **{tps:0} TPS**; load average (1/5/15 min) at the start {loadBefore}, at the end {LoadAverage()}");
Console.WriteLine();
Console.WriteLine("| measure | figure | target |");
Console.WriteLine("|---|---:|---:|");
Console.WriteLine($"| verify one delivery of {verification.Entries:N0} entries (anchored), {verifies} runs: median / p95 ({breakdown}) | {Percentile(verifyMs, 50):0.0} ms / {Percentile(verifyMs, 95):0.0} ms | < 20 ms |");
Console.WriteLine($"| anchor over {anchored.Size:N0} changed deliveries | {anchorSeconds:0.0} s | < 60 s |");
Console.WriteLine($"| anchor: peak working set of the process (before: {baselineMb} MB) / managed allocations | {peakMb} MB / {allocatedMb} MB | |");
Console.WriteLine();
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}.");
return;

int Option(string name, int fallback) =>
    Array.IndexOf(args, name) is var at and >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;

static void Log(string message) => Console.Error.WriteLine($"[evidence] {message}");

static ServiceProvider Services(string connectionString, AdjustableClock clock)
{
    var services = new ServiceCollection()
        .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
        .AddSingleton<TimeProvider>(clock)
        .AddServiceDeliveryApplication(connectionString);
    services.TryAddSingleton(new EvidenceOptions { SigningKey = ServiceDelivery.Evidence.AnchorKey.NewPrivateKeyPem() });
    services.TryAddSingleton(sp => new AnchorKeys(sp.GetRequiredService<EvidenceOptions>()));
    services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ServiceDeliveryDbContext>>().CreateDbContext());
    return services.BuildServiceProvider();
}

static async Task<T> InScope<T>(ServiceProvider services, Func<IServiceProvider, Task<T>> work)
{
    await using var scope = services.CreateAsyncScope();
    return await work(scope.ServiceProvider);
}

static async Task<int> LogCountAsync(string connectionString, Guid id)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT count(*) FROM process_log WHERE delivery_id = @id", connection);
    command.Parameters.AddWithValue("id", id);
    return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
}

// Deliveries in 实施中 with one post_progress row each, all written in the day before t0; each row a chain of one
// (32-byte hash, 16-byte salt) and its delivery's head that hash. As benchmarks/api-load/seed.sql does, in bulk.
static async Task SeedAsync(string connectionString, int count, DateTimeOffset dayStart)
{
    await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 3600 }.ConnectionString);
    await connection.OpenAsync();
    var spacingUs = 86_400_000_000L / count;
    string[] steps =
    [
        "SET synchronous_commit = off",
        $"""
        INSERT INTO deliveries (id, order_id, order_fingerprint, product_id, product_name, product_spec,
            buyer_id, buyer_name, buyer_email, buyer_locale, buyer_time_zone,
            provider_id, provider_name, provider_email, provider_locale, provider_time_zone,
            paid_amount, coupon_amount, currency, paid_at, invoice_status, definition_key, definition_version,
            stage, stage_entered_at, return_stage, status, refund_amount, version, last_log_seq, log_head, created_at, updated_at)
        SELECT gen_random_uuid(), 'EVID-' || lpad(n::text, 7, '0'), md5(n::text), 'prod-' || (n % 50), '数据库迁移服务', '标准版',
            'u-' || lpad((n % 1000)::text, 5, '0'), '买家' || (n % 1000), 'buyer' || (n % 1000) || '@example.com', 'zh-CN', 'Asia/Shanghai',
            'p-' || lpad((n % 100)::text, 3, '0'), '服务商' || (n % 100), 'ops' || (n % 100) || '@provider.example', 'zh-CN', 'Asia/Shanghai',
            1200.00, 100.00, 'CNY', @day, 'none', 'manual-service-delivery', 1,
            'implementing', @day, NULL, 'active', NULL, 2, 1, sha256(convert_to('head-' || n, 'UTF8')), @day, @day
        FROM generate_series(1, {count}) AS n
        """,
        """
        INSERT INTO process_log (delivery_id, seq, at, actor_id, actor_name, actor_role, action, from_stage, to_stage, data, internal_data, attachment_ids, hash, internal_salt)
        SELECT d.id, 1, @day + make_interval(secs => ((substr(d.order_id, 6)::bigint - 1) * @spacing) / 1e6), d.provider_id, '服务商员工', 'provider', 'post_progress', d.stage, d.stage,
               '{"note":"进展说明"}', '{}', '{}'::uuid[], d.log_head, substr(sha256(convert_to('salt-' || d.order_id, 'UTF8')), 1, 16)
        FROM deliveries d WHERE d.order_id LIKE 'EVID-%'
        """,
        "TRUNCATE stage_counts",
        "INSERT INTO stage_counts (definition_key, definition_version, stage, n) SELECT definition_key, definition_version, stage, count(*) FROM deliveries GROUP BY 1, 2, 3",
        "VACUUM ANALYZE",
    ];
    foreach (var sql in steps)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (sql.Contains('@', StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("day", dayStart);
            command.Parameters.AddWithValue("spacing", spacingUs);
        }
        await command.ExecuteNonQueryAsync();
    }
}

// Linux: "5" to clear_refs resets the peak resident set (VmHWM) to the current one, so the peak is the anchor's.
static void ResetPeakWorkingSet()
{
    try
    {
        File.WriteAllText("/proc/self/clear_refs", "5");
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
    {
        Log("cannot reset the peak working set: the peak is the process's whole life");
    }
}

static long PeakWorkingSetMb()
{
    using var self = Process.GetCurrentProcess();
    self.Refresh();
    return self.PeakWorkingSet64 / 1024 / 1024;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

static async Task<double> PgbenchAsync(string connectionString, int seconds)
{
    var server = new NpgsqlConnectionStringBuilder(connectionString);
    string[] common = ["-h", server.Host!, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", server.Username ?? "postgres"];
    const string database = "sd_evidence_pgbench";
    await RunAsync("dropdb", [.. common, "--if-exists", "--force", database]);
    await RunAsync("createdb", [.. common, database]);
    await RunAsync("pgbench", [.. common, "-i", "-q", "-s", "10", database]);
    var output = await RunAsync("pgbench", [.. common, "-c", "8", "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), database]);
    await RunAsync("dropdb", [.. common, "--if-exists", "--force", database]);
    var match = Regex.Match(output, @"tps = ([0-9.]+) \(without initial connection time\)");
    return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("pgbench printed no TPS: " + output);

    async Task<string> RunAsync(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (server.Password is { } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await stdout + await stderr : throw new InvalidOperationException($"{file} failed: {await stderr}");
    }
}

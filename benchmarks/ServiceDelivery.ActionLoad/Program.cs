using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using ServiceDelivery.ActionLoad;

// The write-path benchmark, in one run on one machine: pgbench tpcb-like on the host's own PostgreSQL as the
// reference, then a mixed HTTP workload at 8 and 64 clients, then 100,000 due timers and the mail they cause.
// Usage: dotnet ServiceDelivery.ActionLoad.dll <host dll> [--quick]   (benchmarks/action-load/run.sh builds and runs it)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var hostDll = Path.GetFullPath(args[0]);
var quick = args.Contains("--quick");
var phase = Array.IndexOf(args, "--phase") is var p and >= 0 ? TimeSpan.FromSeconds(int.Parse(args[p + 1], CultureInfo.InvariantCulture))
    : quick ? TimeSpan.FromSeconds(8) : TimeSpan.FromSeconds(30);
var skipTimers = args.Contains("--skip-timers");
var timerDeliveries = quick ? 3_334 : 33_334;
var work = Directory.CreateTempSubdirectory("sd-action-load-").FullName;
// The server runs as the postgres user when we are root: it must be able to enter the folder.
if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
var dataDirectory = Path.Combine(work, "postgres");
var port = FreePort();
var url = $"http://127.0.0.1:{port}";

// --connection <string>: use that PostgreSQL (say, one started with pg_stat_statements) instead of the host's own.
var given = Array.IndexOf(args, "--connection") is var at and >= 0 ? args[at + 1] : null;

await using var smtp = SmtpSink.Start(FreePort());
Console.Error.WriteLine($"[load] host log: {work}/host.log; SMTP sink on {smtp.Port}");
var host = await HostProcess.StartAsync(hostDll, url, new Dictionary<string, string>
{
    ["ASPNETCORE_ENVIRONMENT"] = "Development",
    ["LocalDatabase__DataDirectory"] = dataDirectory,
    ["Attachments__Root"] = Path.Combine(work, "attachments"),
    ["Demo__Seed"] = "false",
    ["Logging__LogLevel__Default"] = "Warning",
    ["Smtp__Host"] = args.Contains("--no-smtp") ? string.Empty : "127.0.0.1",
    ["Smtp__Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
    ["ConnectionStrings__ServiceDelivery"] = given ?? string.Empty,
}, Path.Combine(work, "host.log"));

var results = new List<(string Name, string Value)>();
try
{
    var pgPort = given is null
        ? int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).ElementAt(3), CultureInfo.InvariantCulture)
        : new NpgsqlConnectionStringBuilder(given).Port;
    var connection = given is null ? $"Host=127.0.0.1;Port={pgPort};Username=postgres;Database=servicedelivery;Command Timeout=600" : given + ";Command Timeout=600";
    await using var db = NpgsqlDataSource.Create(connection);
    // The server's own processes, for the CPU split (unknown for a server given with --connection).
    int? postmaster = given is null ? int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture) : null;

    // 1. The reference: pgbench's TPC-B-like transactions on the same server, now.
    var tps = await PgbenchAsync(pgPort, quick ? 10 : 30);
    Console.Error.WriteLine($"[load] pgbench tpcb-like: {tps:0} TPS");

    // 2. The mixed workload.
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = new Uri(url + "/api/v1/"),
        Timeout = Timeout.InfiniteTimeSpan,
    };
    var implementing = await Prepare.ImplementingAsync(db, 2_000);
    var tokens = await Tokens.MintAsync(http);
    // Long enough for the JIT to finish its optimised tiers: the 8-client phase comes first.
    await new Workload(http, tokens, implementing, "warmup").RunAsync(16, quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(40));
    await DrainAsync(db, TimeSpan.FromMinutes(2));

    var table = new List<string[]>();
    foreach (var clients in new[] { 8, 64 })
    {
        host.ResetPeak();
        var from = await NowAsync(db);
        var load = new Workload(http, tokens, implementing, $"c{clients}");
        var cpu = new CpuMeter(host.Id, postmaster);
        var watch = Stopwatch.StartNew();
        await load.RunAsync(clients, phase);
        var seconds = watch.Elapsed.TotalSeconds;
        var (busy, hostSeconds, postgresSeconds, selfSeconds) = cpu.Lap();
        var until = await NowAsync(db);
        var peak = host.PeakRssMb;
        var drained = await DrainAsync(db, TimeSpan.FromMinutes(2));
        var mail = await MailLatencyAsync(db, from, until);
        var writes = Stats.Merge(load.Progress, load.FlowSteps);
        var all = Stats.Merge(load.Progress, load.FlowSteps, load.Inbox);
        var actions = writes.Count / seconds;
        string PerRequest(double cpuSeconds) => $"{cpuSeconds * 1000 / Math.Max(1, all.Count):0.0}";
        table.Add([
            clients.ToString(CultureInfo.InvariantCulture),
            $"{actions:0}",
            $"{actions / tps:0.00}",
            $"{all.Count / seconds:0}",
            $"{all.Percentile(50):0.0} / {all.Percentile(95):0.0} / {all.Percentile(99):0.0}",
            $"{writes.Percentile(99):0.0}",
            $"{all.Errors} / {all.Timeouts}",
            $"{peak:0}",
            $"{mail.P95:0.00} s ({mail.Count})",
            $"{busy:0} % / {PerRequest(hostSeconds)} / {(postgresSeconds is { } pg ? PerRequest(pg) : "—")} / {PerRequest(selfSeconds)}",
        ]);
        Console.Error.WriteLine($"[load] {clients} clients: {writes.Count} actions, {load.Inbox.Count} inbox reads, {load.CompletedFlows} deliveries completed; errors {string.Join(", ", all.ErrorStatuses.Select(e => $"{e.Key}×{e.Value}"))}; outbox drained: {drained}");
    }

    if (skipTimers)
    {
        foreach (var row in table)
        {
            Console.WriteLine("| " + string.Join(" | ", row) + " |");
        }

        return;
    }

    // 3. Timers at scale: deliveries in 待验收 with three running timers each, then the clock moves 15 days.
    var enteredAt = await NowAsync(db);
    await Prepare.AcceptingAsync(db, timerDeliveries, enteredAt);
    var timers = timerDeliveries * 3;
    var advance = Stopwatch.StartNew();
    using (var platformClient = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromMinutes(20) })
    {
        platformClient.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await MintPlatformAsync(http));
        var moved = await platformClient.PostAsync("dev/clock/advance", new StringContent("""{"by":"P15D"}""", Encoding.UTF8, "application/json"));
        moved.EnsureSuccessStatusCode();
    }

    var firedSeconds = advance.Elapsed.TotalSeconds;
    var check = await ScalarsAsync(db, """
        SELECT (SELECT count(*) FROM timers t JOIN deliveries d ON d.id = t.delivery_id WHERE d.order_id LIKE 'PREP-ACC-%' AND t.state IN ('running', 'frozen')),
               (SELECT count(*) FROM process_log l JOIN deliveries d ON d.id = l.delivery_id WHERE d.order_id LIKE 'PREP-ACC-%' AND l.action = 'accept' AND l.actor_role = 'system'),
               (SELECT count(*) FROM (SELECT l.delivery_id FROM process_log l JOIN deliveries d ON d.id = l.delivery_id
                    WHERE d.order_id LIKE 'PREP-ACC-%' AND l.action = 'accept' GROUP BY l.delivery_id HAVING count(*) > 1) twice)
        """);
    await DrainAsync(db, TimeSpan.FromMinutes(30));
    var drainSeconds = advance.Elapsed.TotalSeconds;
    var mails = await ScalarsAsync(db, """
        SELECT count(*), coalesce(extract(epoch FROM max(o.sent_at) - min(o.sent_at)), 0)::bigint * 1000 + coalesce(extract(milliseconds FROM max(o.sent_at) - min(o.sent_at)), 0)::bigint % 1000
        FROM outbox o JOIN deliveries d ON d.id = o.delivery_id WHERE d.order_id LIKE 'PREP-ACC-%' AND o.kind = 'email' AND o.status = 'sent'
        """);

    var output = new StringBuilder();
    output.AppendLine(CultureInfo.InvariantCulture, $"pgbench tpcb-like (-c 8 -j 2 -T {(quick ? 10 : 30)}), same PostgreSQL, same run: **{tps:0} TPS**");
    output.AppendLine();
    output.AppendLine("| clients | actions/s | ÷ pgbench TPS | requests/s | all requests p50 / p95 / p99 (ms) | actions p99 (ms) | errors / time-outs | host peak RSS (MB) | commit → mail handed to SMTP, p95 | CPU busy / CPU ms per request: host / PostgreSQL / load generator |");
    output.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var row in table)
    {
        output.AppendLine("| " + string.Join(" | ", row) + " |");
    }

    output.AppendLine();
    output.AppendLine(CultureInfo.InvariantCulture, $"| timers | fired in | timers/s | left running | auto-acceptances (expected {timerDeliveries}) | deliveries accepted twice | mails sent | mails/s (first → last send) | clock move → last mail |");
    output.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    output.AppendLine(CultureInfo.InvariantCulture, $"| {timers} | {firedSeconds:0.0} s | {timers / firedSeconds:0} | {check[0]} | {check[1]} | {check[2]} | {mails[0]} | {mails[0] / Math.Max(mails[1] / 1000.0, 0.001):0} | {drainSeconds:0.0} s |");
    output.AppendLine();
    await using (var failedQuery = db.CreateCommand("SELECT count(*), coalesce(min(last_error), '') FROM outbox WHERE status = 'failed'"))
    await using (var failed = await failedQuery.ExecuteReaderAsync())
    {
        await failed.ReadAsync();
        output.AppendLine(CultureInfo.InvariantCulture, $"Failed messages: {failed.GetInt64(0)} {failed.GetString(1)}");
    }

    output.AppendLine(CultureInfo.InvariantCulture, $"SMTP sink received {smtp.Received} mails in all. Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}.");
    Console.WriteLine(output);
}
finally
{
    if (args.Contains("--keep"))
    {
        Console.Error.WriteLine($"[load] --keep: host {host.Id} on {url}, data in {dataDirectory}; stop it with kill -TERM {host.Id}");
        Environment.Exit(0);
    }

    await host.DisposeAsync();
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
    }
    catch (UnauthorizedAccessException)
    {
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task<double> PgbenchAsync(int port, int seconds)
{
    string[] common = ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", "postgres"];
    // A database of its own, started afresh: a server given with --connection may keep the last run's tables.
    const string database = "sd_action_load_pgbench";
    await RunAsync("dropdb", [.. common, "--if-exists", "--force", database]);
    await RunAsync("createdb", [.. common, database]);
    await RunAsync("pgbench", [.. common, "-i", "-q", "-s", "10", database]);
    var output = await RunAsync("pgbench", [.. common, "-c", "8", "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), database]);
    var match = Regex.Match(output, @"tps = ([0-9.]+) \(without initial connection time\)");
    return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("pgbench printed no TPS: " + output);
}

static async Task<string> RunAsync(string file, string[] arguments)
{
    var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
    using var process = Process.Start(start)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    return process.ExitCode == 0 ? await stdout + await stderr : throw new InvalidOperationException($"{file} failed: {await stderr}");
}

static async Task<DateTimeOffset> NowAsync(NpgsqlDataSource db)
{
    await using var command = db.CreateCommand("SELECT now()");
    return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!, TimeSpan.Zero);
}

static async Task<long[]> ScalarsAsync(NpgsqlDataSource db, string sql)
{
    await using var command = db.CreateCommand(sql);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    return [.. Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture))];
}

/// <summary>Waits until nothing is pending or being sent in the outbox; true when that happened in time.</summary>
static async Task<bool> DrainAsync(NpgsqlDataSource db, TimeSpan timeout)
{
    var deadline = DateTime.UtcNow + timeout;
    while (DateTime.UtcNow < deadline)
    {
        if ((await ScalarsAsync(db, "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"))[0] == 0)
        {
            return true;
        }

        await Task.Delay(200);
    }

    return false;
}

/// <summary>From the commit (the row's creation) to the SMTP server having taken the mail (recorded as sent).</summary>
static async Task<(double P95, long Count)> MailLatencyAsync(NpgsqlDataSource db, DateTimeOffset from, DateTimeOffset until)
{
    await using var command = db.CreateCommand("""
        SELECT coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at)), 0), count(*)
        FROM outbox WHERE kind = 'email' AND created_at >= @from AND created_at < @until AND status = 'sent'
        """);
    command.Parameters.AddWithValue("from", from);
    command.Parameters.AddWithValue("until", until);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    return (reader.GetDouble(0), reader.GetInt64(1));
}

static async Task<string> MintPlatformAsync(HttpClient http)
{
    using var response = await http.PostAsync("dev/tokens", new StringContent("""{"sub":"op-load","name":"监管","roles":["platform"]}""", Encoding.UTF8, "application/json"));
    response.EnsureSuccessStatusCode();
    return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Fault.Tests;

/// <summary>
/// Scenario 5 of the fault suite: thousands of malformed or hostile requests against every endpoint of a real host
/// process (each one refused by construction: broken or mistyped JSON, unknown fields, huge or deep bodies, invalid
/// UTF-8, NUL and lone surrogates, duplicate names, wrong content types, bad tokens, path tricks, header floods).
/// Afterwards: no 5xx, not one row changed, the host healthy and still answering.
/// </summary>
public sealed class FloodAndFuzzTests(HostProcess host, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<HostProcess>
{
    private static readonly string[] Roles = ["buyer", "provider", "platform", "designer", "marketplace"];

    [Fact]
    public async Task Hostile_requests_across_every_endpoint_get_4xx_change_nothing_and_leave_the_host_healthy()
    {
        var started = DateTime.UtcNow;
        var requests = FaultScale.Full ? 10_000 : 2_000;
        var delivery = await host.StartDeliveryAsync("manual-service-delivery", "FUZZ-1", "submit_requirement");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(host.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var tokens = new List<string?> { null, "garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6InBsYXRmb3JtIn0.", new string('A', 5000) };
        foreach (var role in Roles)
        {
            tokens.Add(await TokenAsync(http, role));
        }

        var endpoints = await EndpointsAsync(http);
        endpoints.Should().HaveCountGreaterThan(20, "the OpenAPI document lists every endpoint");
        var before = await SnapshotAsync();
        var serverErrors = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var accepted = new ConcurrentQueue<string>();
        var dropped = new ConcurrentQueue<string>();

        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancellationToken) =>
        {
            var random = new Random(i);
            var (method, template) = endpoints[random.Next(endpoints.Count)];
            using var request = Hostile(random, host.BaseUrl, method, template, delivery, tokens[random.Next(tokens.Count)]);
            var label = $"{request.Method} {request.RequestUri}";
            var flood = request.Headers.Contains("X-Flood-0");
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                // A preview is a read sent as POST (it carries a body): a 200 there changes nothing, which the snapshot checks.
                if (response.IsSuccessStatusCode && method != "GET" && !template.EndsWith("/admin/preview", StringComparison.Ordinal))
                {
                    var sent = request.Content is null ? string.Empty : Truncate(await request.Content.ReadAsStringAsync(cancellationToken));
                    accepted.Enqueue($"{(int)response.StatusCode} {label} (request {i}) {request.Content?.Headers.ContentType}: {sent}");
                }

                if ((int)response.StatusCode >= 500)
                {
                    serverErrors.Enqueue($"{(int)response.StatusCode} {label} (request {i}): {Truncate(await response.Content.ReadAsStringAsync(cancellationToken))}");
                }
            }
            catch (HttpRequestException ex)
            {
                // A header flood is refused before it is read to the end: the server answers 431 and closes, and the
                // client, still sending, may see the close instead. Anything else dropped is a failure.
                statuses.AddOrUpdate(-1, 1, (_, n) => n + 1);
                if (!flood)
                {
                    dropped.Enqueue($"{label} (request {i}): {ex.Message}");
                }
            }
        });

        output.WriteLine($"{requests} hostile requests to {endpoints.Count} endpoints; answers: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        serverErrors.Should().BeEmpty("no hostile request may make the server fail; answers: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        accepted.Should().BeEmpty("every write was invalid by construction");
        dropped.Take(10).Should().BeEmpty("only a header flood may be cut off");
        (await SnapshotAsync()).Should().Be(before, "a refused request changes nothing");
        (await http.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
        using var normal = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/deliveries/{delivery}");
        normal.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[^3]); // platform
        (await http.SendAsync(normal)).StatusCode.Should().Be(HttpStatusCode.OK, "the host still serves ordinary requests");

        // Nothing here may be acknowledged: "lost" and "duplicated" are the rows changed and the 5xx answers, both asserted 0 above.
        Report.Add(new Report.Row("5. Flood and fuzz", $"{requests:N0} hostile requests, 16 at a time, {endpoints.Count} endpoints", "malformed, mistyped, deep, huge, invalid UTF-8, bad tokens, path tricks, header floods",
            "answers " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key < 0 ? "cut" : s.Key)}×{s.Value}")), 0, 0, DateTime.UtcNow - started));
    }

    /// <summary>The pages' routes (sign-in, language, console, Studio, delivery centre) under the same kind of abuse: no 5xx.</summary>
    [Fact]
    public async Task Hostile_requests_to_every_page_route_get_no_5xx_and_change_nothing()
    {
        var requests = FaultScale.Full ? 5_000 : 1_000;
        var delivery = await host.StartDeliveryAsync("manual-service-delivery", "FUZZ-PAGES", "submit_requirement");
        var cookies = new List<string?> { null, "sd-auth=garbage", "sd-auth=" + new string('A', 4000), "sd-culture=c%3D%00%3Buic%3Den" };
        foreach (var (sub, roles, provider) in new[] { ("u-1001", "buyer", (string?)null), ("s-2001", "provider", "p-2001"), ("op-3001", "platform", null), ("d-4001", "designer", null) })
        {
            cookies.Add(await PageSignIn.SignInAsync(host.BaseUrl, sub, roles, provider));
        }

        string[] routes =
        [
            "/", "/signin", "/signout", "/culture", "/console", "/console/deliveries", $"/console/deliveries/{delivery}", "/console/queues", "/console/providers",
            "/console/jobs", "/console/jobs/stats", "/console/deliveries.csv", "/studio", "/studio/manual-service-delivery", "/deliveries", $"/deliveries/{delivery}",
            $"/deliveries/{Guid.NewGuid()}", "/deliveries/attachments", $"/deliveries/attachments/{Guid.NewGuid()}", "/deliveries/not-a-guid", "/nothing-here",
        ];
        string[] queries =
        [
            "returnUrl=%2F%09%2Fevil.example", "returnUrl=/%E3%80%82x", "returnUrl=//evil.example", "returnUrl=%5C%5Cevil", "lang=xx&returnUrl=%00", "saved=not-a-guid",
            "stage=%00", "q=" + new string('x', 3000), "cursor=%FF%FE", "cursor=AAAA", "view=todo&cursor=zz", "act=%3Cscript%3E", "order=newest&done=%3Cb%3E", "failed=%0D%0A",
            "stuckDays=-1", "limit=99999", "q=%ED%A0%80",
        ];
        string[] bodies = ["", "_handler=act-accept", "_handler=act-x&__RequestVerificationToken=garbage", "sub=u-1&roles=platform&returnUrl=/", "%%%&&&==", new string('a', 100_000)];
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16, AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(host.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var before = await SnapshotAsync();
        var serverErrors = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();

        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancellationToken) =>
        {
            var random = new Random(i);
            var path = routes[random.Next(routes.Length)];
            if (random.Next(3) == 0)
            {
                path += "?" + queries[random.Next(queries.Length)];
            }

            var post = random.Next(3) == 0;
            using var request = new HttpRequestMessage(post ? HttpMethod.Post : HttpMethod.Get, new Uri(host.BaseUrl + path, UriKind.Absolute));
            if (cookies[random.Next(cookies.Count)] is { } cookie)
            {
                request.Headers.TryAddWithoutValidation("Cookie", cookie);
            }

            request.Headers.TryAddWithoutValidation("Accept", random.Next(2) == 0 ? "text/html" : "*/*");
            if (random.Next(4) == 0)
            {
                request.Headers.TryAddWithoutValidation(random.Next(2) == 0 ? "Origin" : "Authorization", random.Next(2) == 0 ? "https://evil.example" : "Basic Zm9vOmJhcg==");
            }

            if (post)
            {
                var body = bodies[random.Next(bodies.Length)];
                request.Content = new StringContent(body, Encoding.UTF8);
                request.Content.Headers.Remove("Content-Type");
                request.Content.Headers.TryAddWithoutValidation("Content-Type", random.Next(3) switch { 0 => "application/x-www-form-urlencoded", 1 => "multipart/form-data; boundary=xyz", _ => "application/json" });
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            if ((int)response.StatusCode >= 500)
            {
                serverErrors.Enqueue($"{(int)response.StatusCode} {request.Method} {path} (request {i}): {Truncate(await response.Content.ReadAsStringAsync(cancellationToken))}");
            }
        });

        var answers = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"));
        output.WriteLine($"{requests} hostile requests to {routes.Length} page routes; answers: {answers}");
        serverErrors.Take(10).Should().BeEmpty("no page route may answer 5xx; answers: " + answers);
        (await SnapshotAsync()).Should().Be(before, "a refused request changes nothing");
        (await http.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_body_or_header_beyond_the_limits_is_refused_early()
    {
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var buyer = await TokenAsync(http, "buyer");
        var delivery = await host.StartDeliveryAsync("manual-service-delivery", "FUZZ-LIMITS");

        using var huge = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/deliveries/{delivery}/actions/submit_requirement")
        {
            Content = new StringContent("{\"description\":\"" + new string('x', 3 * 1024 * 1024) + "\"}", Encoding.UTF8, "application/json"),
        };
        huge.Headers.Authorization = new AuthenticationHeaderValue("Bearer", buyer);
        (await http.SendAsync(huge)).StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);

        using var header = new HttpRequestMessage(HttpMethod.Get, "/api/v1/deliveries");
        header.Headers.Authorization = new AuthenticationHeaderValue("Bearer", buyer);
        header.Headers.TryAddWithoutValidation("X-Flood", new string('h', 64 * 1024));
        (await http.SendAsync(header)).StatusCode.Should().Be(HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    private static HttpRequestMessage Hostile(Random random, string baseUrl, string method, string template, Guid delivery, string? token)
    {
        var path = Path(random, template, delivery);
        if (random.Next(4) == 0)
        {
            path += (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + Queries[random.Next(Queries.Length)];
        }

        // Absolute, so that "//api/…" stays a path on our host rather than a host named "api".
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(baseUrl + path, UriKind.Absolute));
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        if (method is "POST" or "PUT")
        {
            // Definition drafts take any JSON document (a draft may be invalid): only bodies that cannot be read go there.
            var readableAllowed = !template.EndsWith("/draft", StringComparison.Ordinal) && !template.EndsWith("/validate", StringComparison.Ordinal);
            request.Content = Body(random, readableAllowed);
        }

        switch (random.Next(8))
        {
            case 0:
                request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', random.Next(200, 10_000)));
                break;
            case 1:
                request.Headers.TryAddWithoutValidation("If-Match", random.Next(2) == 0 ? "\"abc\"" : "W/\"-1\"");
                break;
            case 2:
                request.Headers.TryAddWithoutValidation("Accept-Language", "xx-ZZ;q=abc, ,;;;q=-1, *;q=2");
                break;
            case 3:
                for (var h = 0; h < 150; h++)
                {
                    request.Headers.TryAddWithoutValidation($"X-Flood-{h}", new string('f', 150));
                }

                break;
        }

        // Only with the JSON bodies that remain refused whatever the If-Match says.
        if (request.Headers.Contains("If-Match") && request.Content is null)
        {
            request.Headers.Remove("If-Match");
            request.Headers.TryAddWithoutValidation("If-Match", "\"not-a-number\"");
        }

        return request;
    }

    private static readonly string[] Queries =
    [
        "limit=abc", "limit=-5", "limit=99999999999", "limit=0", "cursor=%00", "cursor=not-a-cursor", "q=" + new string('q', 5000),
        "q=a%00b", "status=%27%20OR%201%3D1--", "stage=%3Cscript%3E", "kind=%ff%fe", "status=lost",
    ];

    private static string Path(Random random, string template, Guid delivery)
    {
        var path = template;
        var tricks = new[] { "..%2f..%2fetc%2fpasswd", "%2e%2e", "%00", "..", "%ff", new string('z', 300), "0", "-1" };
        foreach (var parameter in new[] { "{id}", "{ticketId}", "{key}", "{n}", "{action}" })
        {
            if (!path.Contains(parameter, StringComparison.Ordinal))
            {
                continue;
            }

            var value = random.Next(3) switch
            {
                0 => tricks[random.Next(tricks.Length)],
                _ => parameter switch
                {
                    "{id}" when template.Contains("notifications", StringComparison.Ordinal) => "999999999",
                    "{id}" => random.Next(2) == 0 ? delivery.ToString() : Guid.NewGuid().ToString(),
                    "{ticketId}" => Guid.NewGuid().ToString(),
                    "{key}" => "manual-service-delivery",
                    "{n}" => "1",
                    _ => random.Next(2) == 0 ? "submit_requirement" : "confirm_requirement",
                },
            };
            path = path.Replace(parameter, value, StringComparison.Ordinal);
        }

        return random.Next(20) == 0 ? "/" + path : path;
    }

    // Every body here is refused by construction: unreadable, mistyped, or carrying a field no form takes.
    private static ByteArrayContent Body(Random random, bool readableAllowed)
    {
        var choice = random.Next(readableAllowed ? 11 : 8);
        return choice switch
        {
            0 => Json("{\"description\": \"unterminated"),
            1 => Json(new string('[', random.Next(100, 5000))),
            2 => Raw([.. "{\"description\":\""u8.ToArray(), 0xC3, 0x28, 0xFF, .. "\"}"u8.ToArray()], "application/json"),
            3 => Json("{\"description\":\"a\\u0000b\"}"),
            4 => Json("{\"description\":\"\\ud800\"}"),
            5 => Json("{\"description\":\"a\",\"description\":\"b\"}"),
            6 => new StringContent("description=x&reason=y", Encoding.UTF8, random.Next(2) == 0 ? "text/plain" : "application/x-www-form-urlencoded"),
            7 => Raw(Encoding.UTF8.GetBytes("--x\r\nContent-Disposition: form-data; name=\"nope\"\r\n\r\njunk\r\n--x--\r\n"), "multipart/form-data; boundary=x"),
            8 => Json("{\"zz_fuzz\": 1, " + RandomMembers(random, depth: 0) + "}"),
            9 => Json("{\"zz_fuzz\": " + new string('9', 400) + ", \"description\": {\"nested\": [1, 2, {\"x\": null}]}}"),
            _ => Json("{\"reason\": 42, \"toStage\": [], \"amount\": \"lots\", \"zz_fuzz\": true}"),
        };
    }

    // Random names and values of every JSON type, nested a little.
    private static string RandomMembers(Random random, int depth)
    {
        string[] names = ["description", "reason", "note", "orderId", "toStage", "amount", "attachmentIds", "category", "by", "sub", "roles", "x" + random.Next(1000)];
        var members = Enumerable.Range(0, random.Next(1, 6)).Select(_ => $"\"{names[random.Next(names.Length)]}{random.Next(3)}\": {RandomValue(random, depth + 1)}");
        return string.Join(", ", members);
    }

    private static string RandomValue(Random random, int depth) => random.Next(depth > 3 ? 5 : 7) switch
    {
        0 => "null",
        1 => random.Next(2) == 0 ? "true" : "false",
        2 => (random.NextDouble() * 1e12 * (random.Next(2) == 0 ? -1 : 1)).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        3 => JsonSerializer.Serialize(new string((char)random.Next(0x20, 0x9fff), random.Next(0, 50))),
        4 => "\"\"",
        5 => "[" + string.Join(", ", Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomValue(random, depth + 1))) + "]",
        _ => "{" + RandomMembers(random, depth) + "}",
    };

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;

    private static async Task<string> TokenAsync(HttpClient http, string role)
    {
        var identity = role == "provider"
            ? (object)new { sub = "s-2001", name = "李四", roles = new[] { role }, providerId = "p-2001" }
            : new { sub = role == "buyer" ? "u-1001" : "fuzz-" + role, name = role, roles = new[] { role } };
        using var response = await http.PostAsJsonAsync("/api/v1/dev/tokens", identity);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Every (method, path template) in the host's OpenAPI document, parameters as <c>{name}</c>.</summary>
    private static async Task<List<(string Method, string Template)>> EndpointsAsync(HttpClient http)
    {
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var endpoints = new List<(string, string)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete" or "patch"))
            {
                endpoints.Add((operation.Name.ToUpperInvariant(), path.Name));
            }
        }

        return endpoints;
    }

    // Every row of every table the service writes, by content: an edit to an existing row shows, not only a new row.
    // The outbox is compared without its sending state (the start's mails go out while the flood runs), the kept stage
    // counts by their sums (compaction rewrites their rows), data-protection keys not at all (the host's own).
    private static readonly string[] WholeTables =
    [
        "deliveries", "tasks", "timers", "process_log", "tickets", "ticket_messages", "attachments", "idempotency_keys",
        "definition_versions", "definition_drafts", "definition_scenarios", "migration_batches", "saved_filters", "dev_clock",
    ];

    // Table names are constants of this class, not input.
    private static readonly string SnapshotSql = "SELECT concat_ws('|', " + string.Join(", ", WholeTables
        .Select(t => $"(SELECT '{t}:' || count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM {t} x)")
        .Append("(SELECT 'outbox:' || count(*) || ':' || md5(coalesce(string_agg(concat_ws('/', id, kind, delivery_id, created_at), ',' ORDER BY id), '')) FROM outbox)")
        .Append("(SELECT 'stage_counts:' || coalesce(string_agg(stage || '=' || n, ',' ORDER BY stage), '') FROM (SELECT stage, sum(n) AS n FROM stage_counts GROUP BY stage HAVING sum(n) <> 0) c)")) + ") AS \"Value\"";

    private async Task<string> SnapshotAsync()
    {
        await using var db = TestDatabase.Context(host.ConnectionString);
        return await db.Database.SqlQueryRaw<string>(SnapshotSql).SingleAsync();
    }
}

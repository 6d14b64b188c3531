using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;
using static ServiceDelivery.Api.Tests.Api;

namespace ServiceDelivery.Api.Tests;

/// <summary>Lists, counts, the inbox, tickets in scope, attachments, definitions, operations, the API document.</summary>
public sealed class ReadModelTests : IAsyncLifetime
{
    private ApiFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiFixture.CreateAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Lists_page_by_keyset_newest_first_and_filter_by_stage_status_and_text()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await _api.AtAsync(i < 2 ? "implementing" : "requirement_pending"));
            await _api.As(Platform).PostAsync("/api/v1/dev/clock/advance", new { by = "PT1M" });
        }

        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}")).ShouldBe(HttpStatusCode.OK).Body;
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        seen.Should().Equal(Enumerable.Reverse(ids), "newest first, each exactly once across pages");
        var implementing = (await _api.As(Provider).GetAsync("/api/v1/deliveries?stage=implementing")).Body.GetProperty("items");
        implementing.EnumerateArray().Select(d => d.GetProperty("id").GetGuid()).Should().BeEquivalentTo(ids.Take(2));
        (await _api.As(Buyer).GetAsync("/api/v1/deliveries?status=completed")).Body.GetProperty("items").GetArrayLength().Should().Be(0);
        var order = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{ids[3]}")).Body.GetProperty("orderId").GetString()!;
        (await _api.As(Buyer).GetAsync($"/api/v1/deliveries?q={order}")).Body.GetProperty("items").EnumerateArray().Should().ContainSingle();
        (await _api.As(Buyer).GetAsync("/api/v1/deliveries?q=数据库迁移")).Body.GetProperty("items").GetArrayLength().Should().Be(5);
        (await _api.As(Buyer).GetAsync("/api/v1/deliveries?q=%25")).Body.GetProperty("items").GetArrayLength().Should().Be(0, "% is a literal, not a wildcard");
        (await _api.As(OtherBuyer).GetAsync("/api/v1/deliveries")).Body.GetProperty("items").GetArrayLength().Should().Be(0);
        (await _api.As(OtherProvider).GetAsync("/api/v1/deliveries")).Body.GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task The_log_pages_by_sequence_number_with_a_link_to_the_next_page()
    {
        var id = await _api.AtAsync("implementing");
        for (var i = 0; i < 5; i++)
        {
            (await _api.As(Provider).ActAsync(id, "post_progress", new { note = $"进度 {i}" })).ShouldBe(HttpStatusCode.OK);
        }

        var whole = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}/log")).ShouldBe(HttpStatusCode.OK);
        var all = whole.Body.EnumerateArray().Select(e => e.GetProperty("seq").GetInt32()).ToList();
        all.Should().HaveCount(8).And.BeInAscendingOrder();
        whole.Headers.Contains("Link").Should().BeFalse("one page holds it all");

        var seen = new List<int>();
        var url = $"/api/v1/deliveries/{id}/log?limit=3";
        while (url is not null)
        {
            var page = (await _api.As(Buyer).GetAsync(url)).ShouldBe(HttpStatusCode.OK);
            var seqs = page.Body.EnumerateArray().Select(e => e.GetProperty("seq").GetInt32()).ToList();
            seqs.Count.Should().BeLessThanOrEqualTo(3);
            seen.AddRange(seqs);
            url = page.Headers.TryGetValues("Link", out var links) ? System.Text.RegularExpressions.Regex.Match(links.Single(), "<([^>]+)>; rel=\"next\"").Groups[1].Value : null;
        }

        seen.Should().Equal(all, "the pages together are the log, each entry once, in order");
        (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}/log?limit=0")).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}/log?limit=1001")).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}/log?after=-1")).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(OtherBuyer).GetAsync($"/api/v1/deliveries/{id}/log?limit=3")).ShouldBe(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Counts_give_every_stage_for_the_delivery_centre_tabs()
    {
        await _api.AtAsync("accepting");
        await _api.AtAsync("accepting");
        await _api.AtAsync("refunding");

        var counts = (await _api.As(Buyer).GetAsync("/api/v1/deliveries/counts")).ShouldBe(HttpStatusCode.OK).Body;
        var others = (await _api.As(OtherBuyer).GetAsync("/api/v1/deliveries/counts")).Body;

        counts.GetProperty("accepting").GetInt32().Should().Be(2);
        counts.GetProperty("refunding").GetInt32().Should().Be(1);
        counts.GetProperty("completed").GetInt32().Should().Be(0);
        counts.EnumerateObject().Should().HaveCount(9);
        others.GetProperty("accepting").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task The_inbox_shows_each_party_what_it_must_do_with_the_acceptance_deadline()
    {
        var accepting = await _api.AtAsync("accepting");
        var confirming = await _api.AtAsync("requirement_confirming");
        var refunding = await _api.AtAsync("refunding");
        var disputed = await _api.AtAsync("implementing");
        await _api.As(Provider).PostAsync($"/api/v1/deliveries/{disputed}/tickets", new { category = "other", subject = "需要延期", description = "客户环境未就绪" });

        var buyer = (await _api.As(Buyer).GetAsync("/api/v1/tasks")).ShouldBe(HttpStatusCode.OK).Body;
        var provider = (await _api.As(Provider, "en").GetAsync("/api/v1/tasks")).Body;
        var platform = (await _api.As(Platform).GetAsync("/api/v1/tasks")).Body;

        var acceptTask = buyer.EnumerateArray().Single(t => t.GetProperty("deliveryId").GetGuid() == accepting);
        acceptTask.GetProperty("stageName").GetString().Should().Be("待验收");
        acceptTask.GetProperty("dueAt").GetDateTimeOffset().Should().Be(HostFactory.T0 + TimeSpan.FromDays(15));
        acceptTask.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("name").GetString()).Should().Equal("验收通过", "验收驳回");
        buyer.EnumerateArray().Should().NotContain(t => t.GetProperty("deliveryId").GetGuid() == confirming);
        provider.EnumerateArray().Single(t => t.GetProperty("deliveryId").GetGuid() == confirming)
            .GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("name").GetString()).Should().Equal("Confirm requirement", "Reject requirement");
        platform.EnumerateArray().Should().Contain(t => t.GetProperty("kind").GetString() == "task" && t.GetProperty("deliveryId").GetGuid() == refunding);
        platform.EnumerateArray().Should().Contain(t => t.GetProperty("kind").GetString() == "ticket" && t.GetProperty("deliveryId").GetGuid() == disputed && t.GetProperty("ticketSubject").GetString() == "需要延期");
        platform.EnumerateArray().Select(t => t.GetProperty("createdAt").GetDateTimeOffset()).Should().BeInAscendingOrder();
        (await _api.As(OtherBuyer).GetAsync("/api/v1/tasks")).Body.GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task The_inbox_pages_with_a_link_header()
    {
        for (var i = 0; i < 3; i++)
        {
            await _api.AtAsync("requirement_pending");
        }

        var first = await _api.As(Buyer).GetAsync("/api/v1/tasks?limit=2");
        var next = first.Headers.GetValues("Link").Single();
        var url = next[1..next.IndexOf('>', StringComparison.Ordinal)];
        var second = await _api.As(Buyer).GetAsync(url);

        first.Body.GetArrayLength().Should().Be(2);
        second.Body.GetArrayLength().Should().Be(1);
        second.Headers.Contains("Link").Should().BeFalse();
    }

    [Fact]
    public async Task Tickets_are_listed_in_the_callers_scope_with_their_thread()
    {
        var id = await _api.AtAsync("implementing");
        var ticket = (await _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "refund_after_confirmation", subject = "申请部分退款", description = "服务商已开始实施" }))
            .ShouldBe(HttpStatusCode.Created).Body.GetProperty("id").GetGuid();
        (await _api.As(Platform).PostAsync($"/api/v1/tickets/{ticket}/messages", new { body = "已联系服务商" })).ShouldBe(HttpStatusCode.Created);

        (await _api.As(Buyer).GetAsync("/api/v1/tickets?status=open")).Body.EnumerateArray().Should().Contain(t => t.GetProperty("id").GetGuid() == ticket);
        (await _api.As(OtherBuyer).GetAsync("/api/v1/tickets")).Body.GetArrayLength().Should().Be(0);
        (await _api.As(Provider).GetAsync($"/api/v1/deliveries/{id}/tickets")).Body[0].GetProperty("messageCount").GetInt32().Should().Be(1);
        var full = (await _api.As(Provider).GetAsync($"/api/v1/tickets/{ticket}")).Body;
        full.GetProperty("messages")[0].GetProperty("author").GetProperty("role").GetString().Should().Be("platform");
        (await _api.As(Platform).PostAsync($"/api/v1/tickets/{ticket}/resolve", new { outcome = "close_delivery", note = "协商一致，关闭订单" })).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}")).Body.GetProperty("stage").GetString().Should().Be("closed");
        (await _api.As(Buyer).PostAsync($"/api/v1/tickets/{ticket}/messages", new { body = "还有问题" })).ShouldBe(HttpStatusCode.Conflict, "invalid_transition");
        (await _api.As(Buyer).GetAsync("/api/v1/tickets?status=resolved")).Body.EnumerateArray().Should().Contain(t => t.GetProperty("id").GetGuid() == ticket);
    }

    [Fact]
    public async Task Attachments_are_stored_once_per_content_and_served_to_those_who_may_see_them()
    {
        var content = "%PDF-1.7\n实施报告"u8.ToArray();
        var first = (await _api.As(Provider).UploadAsync("实施报告.pdf", content)).ShouldBe(HttpStatusCode.Created).Body;
        var second = (await _api.As(Provider).UploadAsync("副本.pdf", content)).ShouldBe(HttpStatusCode.Created).Body;
        var id = await _api.AtAsync("implementing");
        (await _api.As(Provider).ActAsync(id, "submit_for_acceptance", new { details = "见报告", attachmentIds = new[] { first.GetProperty("id").GetGuid() } })).ShouldBe(HttpStatusCode.OK);

        first.GetProperty("sha256").GetString().Should().Be(second.GetProperty("sha256").GetString());
        var root = _api.Host.Services.GetRequiredService<ServiceDelivery.Application.Attachments.AttachmentOptions>().Root;
        Directory.GetFiles(root, first.GetProperty("sha256").GetString()!, SearchOption.AllDirectories).Should().ContainSingle("the same bytes are stored once");
        first.GetProperty("contentType").GetString().Should().Be("application/pdf");
        using var download = await _api.As(Buyer).Client.GetAsync($"/api/v1/attachments/{first.GetProperty("id").GetGuid()}");
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        (await download.Content.ReadAsByteArrayAsync()).Should().Equal(content);
        download.Content.Headers.ContentDisposition!.FileNameStar.Should().Be("实施报告.pdf");
        download.Headers.GetValues("X-Content-Type-Options").Should().Contain("nosniff");
        var log = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}/log")).Body;
        log[log.GetArrayLength() - 1].GetProperty("attachments")[0].GetProperty("fileName").GetString().Should().Be("实施报告.pdf");
        (await _api.As(OtherBuyer).GetAsync($"/api/v1/attachments/{first.GetProperty("id").GetGuid()}")).ShouldBe(HttpStatusCode.NotFound, "not_found");
        (await _api.As(Buyer).GetAsync($"/api/v1/attachments/{second.GetProperty("id").GetGuid()}")).ShouldBe(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_file_attached_to_a_ticket_is_readable_by_those_who_see_the_delivery()
    {
        var id = await _api.AtAsync("accepting");
        var file = (await _api.As(Buyer).UploadAsync("问题截图.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 7, 7])).Body.GetProperty("id").GetGuid();
        (await _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "acceptance_dispute", subject = "不符", description = "见截图", attachmentIds = new[] { file } })).ShouldBe(HttpStatusCode.Created);

        (await _api.As(Provider).GetAsync($"/api/v1/attachments/{file}")).Status.Should().Be(HttpStatusCode.OK);
        (await _api.As(Platform).GetAsync($"/api/v1/attachments/{file}")).Status.Should().Be(HttpStatusCode.OK);
        (await _api.As(OtherProvider).GetAsync($"/api/v1/attachments/{file}")).ShouldBe(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Designers_validate_draft_and_publish_definitions_over_http()
    {
        var shipped = await File.ReadAllTextAsync(Path.Combine(Testing.TestDatabase.WorkflowsFolder, "manual-service-delivery.json"));
        var broken = shipped.Replace("\"initialStage\": \"requirement_pending\"", "\"initialStage\": \"draft\"", StringComparison.Ordinal);
        var designer = _api.As(Designer, "en");

        var validation = (await designer.RawAsync(HttpMethod.Post, "/api/v1/definitions/validate", broken, "application/json")).ShouldBe(HttpStatusCode.OK).Body;
        var draft = (await designer.RawAsync(HttpMethod.Put, "/api/v1/definitions/manual-service-delivery/draft", broken, "application/json")).ShouldBe(HttpStatusCode.OK).Body;
        var refused = (await designer.PostAsync("/api/v1/definitions/manual-service-delivery/publish", null)).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await designer.RawAsync(HttpMethod.Put, "/api/v1/definitions/manual-service-delivery/draft", shipped, "application/json")).ShouldBe(HttpStatusCode.OK);
        var published = (await designer.PostAsync("/api/v1/definitions/manual-service-delivery/publish", null)).ShouldBe(HttpStatusCode.OK).Body;

        validation.GetProperty("valid").GetBoolean().Should().BeFalse();
        validation.GetProperty("errors")[0].GetProperty("path").GetString().Should().Be("$.initialStage");
        validation.GetProperty("errors")[0].GetProperty("message").GetString().Should().Contain("initial stage");
        draft.GetProperty("validation").GetProperty("valid").GetBoolean().Should().BeFalse();
        refused.Body.GetProperty("errors").TryGetProperty("$.initialStage", out _).Should().BeTrue();
        published.GetProperty("version").GetInt32().Should().Be(2);
        published.GetProperty("definition").GetProperty("key").GetString().Should().Be("manual-service-delivery");
        var list = (await _api.As(Platform).GetAsync("/api/v1/definitions")).Body;
        list.EnumerateArray().Should().ContainSingle(d => d.GetProperty("key").GetString() == "manual-service-delivery" && d.GetProperty("latestVersion").GetInt32() == 2 && d.GetProperty("name").GetString() == "人工服务交付流程");
        (await _api.As(Platform).GetAsync("/api/v1/definitions/manual-service-delivery/versions/1")).Body.GetProperty("version").GetInt32().Should().Be(1);
        var schema = await _api.As(Designer).GetAsync("/api/v1/definitions/schema");
        schema.Body.ToString().Should().Contain("process-definition.schema.json");
        (await designer.RawAsync(HttpMethod.Put, "/api/v1/definitions/manual-service-delivery/draft", "{ not json", "application/json")).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Operators_move_close_and_migrate_with_logged_reasons_and_retry_failed_notifications()
    {
        var moved = await _api.AtAsync("implementing");
        var closed = await _api.AtAsync("accepting");
        var shipped = await File.ReadAllTextAsync(Path.Combine(Testing.TestDatabase.WorkflowsFolder, "manual-service-delivery.json"));
        await _api.As(Designer).RawAsync(HttpMethod.Put, "/api/v1/definitions/manual-service-delivery/draft", shipped, "application/json");
        await _api.As(Designer).PostAsync("/api/v1/definitions/manual-service-delivery/publish", null);

        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{moved}/admin/move", new { toStage = "accepting", reason = "服务商线下已交付" })).ShouldBe(HttpStatusCode.OK)
            .Body.GetProperty("stage").GetString().Should().Be("accepting");
        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{moved}/admin/move", new { toStage = "nowhere", reason = "x" })).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{closed}/admin/close", new { })).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{closed}/admin/close", new { reason = "买家要求关闭" })).Body.GetProperty("status").GetString().Should().Be("closed");
        var migrated = (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{moved}/admin/migrate", new { toVersion = 2, reason = "新版本" })).ShouldBe(HttpStatusCode.OK).Body;
        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{moved}/admin/migrate", new { toVersion = 9 })).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");

        migrated.GetProperty("definition").GetProperty("version").GetInt32().Should().Be(2);
        migrated.GetProperty("autoAcceptAt").ValueKind.Should().Be(JsonValueKind.String, "the running acceptance clock survives the migration");
        var log = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{moved}/log")).Body.EnumerateArray().ToList();
        log.Select(e => e.GetProperty("action").GetString()).Should().EndWith(["admin_move", "admin_migrate"]);
        log[^2].GetProperty("data").GetProperty("reason").GetString().Should().Be("服务商线下已交付");
        log[^2].GetProperty("actionName").GetString().Should().Be("调整交付状态");

        await using (var db = _api.Db())
        {
            var row = db.Outbox.OrderBy(o => o.Id).First();
            row.Status = "failed";
            row.LastError = "SMTP 550";
            await db.SaveChangesAsync();
        }

        var failed = (await _api.As(Platform).GetAsync("/api/v1/notifications?status=failed")).ShouldBe(HttpStatusCode.OK).Body.GetProperty("items");
        var failedId = failed[0].GetProperty("id").GetInt64();
        failed[0].GetProperty("lastError").GetString().Should().Be("SMTP 550");
        (await _api.As(Platform).PostAsync($"/api/v1/notifications/{failedId}/retry", null)).ShouldBe(HttpStatusCode.OK).Body.GetProperty("status").GetString().Should().Be("pending");
        (await _api.As(Platform).PostAsync($"/api/v1/notifications/{failedId}/retry", null)).ShouldBe(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint_with_its_errors_and_scalar_serves_it()
    {
        var document = (await _api.As(null).GetAsync("/openapi/v1.json")).ShouldBe(HttpStatusCode.OK).Body;
        var scalar = await _api.As(null).GetAsync("/scalar/v1");

        var paths = document.GetProperty("paths");
        // Every API endpoint the app maps (bar those it keeps out of the contract) is in the document, with its errors.
        var mapped = _api.Host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p => p.StartsWith("/api/", StringComparison.Ordinal))
            .Select(p => System.Text.RegularExpressions.Regex.Replace(p, @"\{([a-zA-Z]+)(:[^}]+)?\??\}", "{$1}").TrimEnd('/'))
            .Distinct()
            .ToList();
        mapped.Should().HaveCountGreaterThan(30, "the API has that many paths");
        paths.EnumerateObject().Select(p => p.Name.TrimEnd('/')).Should().Contain(mapped);
        foreach (var path in paths.EnumerateObject().Where(p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal) && !p.Name.StartsWith("/api/v1/dev/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                operation.Value.GetProperty("responses").EnumerateObject().Select(r => r.Name).Should().Contain("401", $"{operation.Name} {path.Name} documents that it needs a token");
            }
        }

        var perform = paths.GetProperty("/api/v1/deliveries/{id}/actions/{action}").GetProperty("post");
        perform.GetProperty("responses").EnumerateObject().Select(r => r.Name).Should().Contain(["200", "400", "403", "404", "409"]);
        perform.GetProperty("description").GetString().Should().Contain("Idempotency-Key");
        document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _).Should().BeTrue();
        paths.GetProperty("/api/v1/deliveries").GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json")
            .GetProperty("example").GetProperty("orderId").GetString().Should().Be("ORD-20261126-0001");
        scalar.Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Errors_speak_chinese_by_default_and_english_when_asked()
    {
        var id = await _api.AtAsync("accepting");

        var zh = await _api.As(Buyer).ActAsync(id, "submit_requirement");
        var en = await _api.As(Buyer, "en-GB,en;q=0.9").ActAsync(id, "submit_requirement");
        var zhPreferred = await _api.As(Buyer, "zh-CN,en;q=0.5").ActAsync(id, "submit_requirement");

        zh.Body.GetProperty("title").GetString().Should().Be("当前阶段不能执行该操作");
        en.Body.GetProperty("title").GetString().Should().Be("Invalid transition");
        zhPreferred.Body.GetProperty("title").GetString().Should().Be("当前阶段不能执行该操作");
        (await _api.As(Buyer, "en").GetAsync($"/api/v1/deliveries/{id}")).Body.GetProperty("stageName").GetString().Should().Be("Awaiting acceptance");
    }
}

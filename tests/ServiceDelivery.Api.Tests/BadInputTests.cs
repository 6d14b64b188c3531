using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text;
using static ServiceDelivery.Api.Tests.Api;

namespace ServiceDelivery.Api.Tests;

/// <summary>Every kind of bad request gets its documented 4xx problem and changes nothing.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const int UploadLimit = 4096;
    private ApiFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiFixture.CreateAsync(new Dictionary<string, string?> { ["Attachments:MaxBytes"] = UploadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async Task DisposeAsync() => await _api.DisposeAsync();

    /// <summary>Runs <paramref name="request"/> and checks its problem and that the database did not change.</summary>
    private async Task<Answer> RefusedAsync(Func<Task<Answer>> request, HttpStatusCode status, string code)
    {
        var before = await _api.SnapshotAsync();

        var answer = await request();

        answer.ShouldBe(status, code);
        answer.Body.GetProperty("traceId").GetString().Should().NotBeNullOrEmpty();
        answer.Body.GetProperty("detail").GetString().Should().NotBeNullOrEmpty();
        answer.Body.ToString().Should().NotContain("   at ", "a problem never carries a stack trace");
        (await _api.SnapshotAsync()).Should().Be(before, "a refused request changes nothing");
        return answer;
    }

    [Theory]
    [InlineData("{ \"description\": ")]
    [InlineData("{ description: 'x' }")]
    [InlineData("not json at all")]
    [InlineData("")]
    public async Task Malformed_json_is_a_validation_problem(string body)
    {
        var id = await _api.AtAsync("requirement_pending");

        var answer = await RefusedAsync(() => _api.As(Buyer).RawAsync(HttpMethod.Post, $"/api/v1/deliveries/{id}/actions/submit_requirement", body, "application/json"), HttpStatusCode.BadRequest, "validation_failed");

        answer.Body.GetProperty("errors").EnumerateObject().Should().ContainSingle().Which.Value[0].GetString().Should().Contain("JSON");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_json_is_an_unsupported_media_type(string contentType)
    {
        var id = await _api.AtAsync("requirement_pending");

        await RefusedAsync(() => _api.As(Buyer).RawAsync(HttpMethod.Post, $"/api/v1/deliveries/{id}/actions/submit_requirement", "description=x", contentType), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await RefusedAsync(() => _api.As(Marketplace).RawAsync(HttpMethod.Post, "/api/v1/deliveries", "{}", "text/plain"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Missing_and_oversize_fields_are_named_in_the_errors()
    {
        var id = await _api.AtAsync("requirement_pending");

        var missing = await RefusedAsync(() => _api.As(Buyer).ActAsync(id, "submit_requirement", new { description = "  " }), HttpStatusCode.BadRequest, "validation_failed");
        var oversize = await RefusedAsync(() => _api.As(Buyer, "en").ActAsync(id, "submit_requirement", new { description = new string('长', 5001) }), HttpStatusCode.BadRequest, "validation_failed");
        var order = await RefusedAsync(() => _api.As(Marketplace).PostAsync("/api/v1/deliveries", new { orderId = new string('x', 101), product = new { id = "p", name = "n" } }), HttpStatusCode.BadRequest, "validation_failed");

        missing.Body.GetProperty("errors").GetProperty("description")[0].GetString().Should().Be("必填。");
        oversize.Body.GetProperty("errors").GetProperty("description")[0].GetString().Should().Be("must be at most 5000 characters.");
        var fields = order.Body.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        fields.Should().Contain(["paidAmount", "paidAt"]);
    }

    [Fact]
    public async Task Fields_of_the_wrong_type_or_unknown_to_the_form_are_refused()
    {
        var id = await _api.AtAsync("requirement_pending");

        var wrongType = await RefusedAsync(() => _api.As(Buyer).ActAsync(id, "submit_requirement", new { description = 42 }), HttpStatusCode.BadRequest, "validation_failed");
        var unknown = await RefusedAsync(() => _api.As(Buyer).ActAsync(id, "submit_requirement", new { description = "需求", budget = "100" }), HttpStatusCode.BadRequest, "validation_failed");
        var badIds = await RefusedAsync(() => _api.As(Buyer).ActAsync(id, "submit_requirement", new { description = "需求", attachmentIds = new[] { "../../etc/passwd" } }), HttpStatusCode.BadRequest, "validation_failed");
        var unknownOrderField = await RefusedAsync(() => _api.As(Marketplace).PostAsync("/api/v1/deliveries", new { orderId = "X", discount = 1 }), HttpStatusCode.BadRequest, "validation_failed");

        wrongType.Body.GetProperty("errors").TryGetProperty("description", out _).Should().BeTrue();
        unknown.Body.GetProperty("errors").TryGetProperty("budget", out _).Should().BeTrue();
        badIds.Body.GetProperty("errors").TryGetProperty("attachmentIds", out _).Should().BeTrue();
        unknownOrderField.Body.GetProperty("errors").TryGetProperty("discount", out _).Should().BeTrue();
    }

    [Fact]
    public async Task An_unknown_action_is_an_invalid_transition_listing_what_is_allowed()
    {
        var id = await _api.AtAsync("requirement_pending");

        var answer = await RefusedAsync(() => _api.As(Buyer).ActAsync(id, "cancel_order", new { }), HttpStatusCode.Conflict, "invalid_transition");

        answer.Body.GetProperty("stage").GetString().Should().Be("requirement_pending");
        answer.Body.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()).Should().Equal("submit_requirement", "request_refund");
    }

    [Fact]
    public async Task An_unknown_refund_reason_code_is_refused()
    {
        var id = await _api.AtAsync("requirement_pending");

        var answer = await RefusedAsync(() => _api.As(Buyer).ActAsync(id, "request_refund", new { reasonCode = "too_expensive", description = "太贵" }), HttpStatusCode.BadRequest, "validation_failed");

        answer.Body.GetProperty("errors").GetProperty("reasonCode")[0].GetString().Should().Be("不是允许的取值。");
    }

    [Fact]
    public async Task A_stale_if_match_is_a_version_conflict_and_the_current_one_works()
    {
        var id = await _api.AtAsync("requirement_confirming");
        var current = (await _api.As(Provider).GetAsync($"/api/v1/deliveries/{id}")).Headers.ETag!.Tag;

        await RefusedAsync(() => _api.As(Provider).ActAsync(id, "confirm_requirement", null, ("If-Match", "\"1\"")), HttpStatusCode.Conflict, "version_conflict");
        await RefusedAsync(() => _api.As(Provider).ActAsync(id, "confirm_requirement", null, ("If-Match", "banana")), HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Provider).ActAsync(id, "confirm_requirement", null, ("If-Match", current))).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_repeated_idempotency_key_replays_the_first_answer_and_a_different_body_is_refused()
    {
        var id = await _api.AtAsync("implementing");
        var key = ("Idempotency-Key", "progress-2026-11-26-01");

        var first = (await _api.As(Provider).ActAsync(id, "post_progress", new { note = "完成 50%" }, key)).ShouldBe(HttpStatusCode.OK);
        var again = (await _api.As(Provider).ActAsync(id, "post_progress", new { note = "完成 50%" }, key)).ShouldBe(HttpStatusCode.OK);
        await RefusedAsync(() => _api.As(Provider).ActAsync(id, "post_progress", new { note = "完成 60%" }, key), HttpStatusCode.Conflict, "idempotency_key_reused");
        await RefusedAsync(() => _api.As(Provider).ActAsync(id, "post_progress", new { note = "x" }, ("Idempotency-Key", new string('k', 201))), HttpStatusCode.BadRequest, "validation_failed");

        again.Body.ToString().Should().Be(first.Body.ToString());
        await using var db = _api.Db();
        db.ProcessLog.Count(l => l.DeliveryId == id && l.Action == "post_progress").Should().Be(1);
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_refused_and_nothing_is_kept()
    {
        var root = _api.Host.Services.GetRequiredService<ServiceDelivery.Application.Attachments.AttachmentOptions>().Root;
        var filesBefore = Directory.GetFiles(root, "*", SearchOption.AllDirectories);
        await using (var before = _api.Db())
        {
            before.Attachments.Count(a => a.UploadedBy == Buyer.Id && a.FileName == "大文件.txt").Should().Be(0);
        }

        var answer = await RefusedAsync(() => _api.As(Buyer).UploadAsync("大文件.txt", Encoding.UTF8.GetBytes(new string('a', UploadLimit + 1))), HttpStatusCode.RequestEntityTooLarge, "attachment_too_large");

        answer.Body.GetProperty("detail").GetString().Should().NotBeNullOrEmpty();
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).Should().BeEquivalentTo(filesBefore, "neither the stored files nor the staging folder keep any of the refused bytes");
        await using (var after = _api.Db())
        {
            after.Attachments.Count(a => a.UploadedBy == Buyer.Id && a.FileName == "大文件.txt").Should().Be(0, "no row for a refused file");
        }

        (await _api.As(Buyer).UploadAsync("刚好.txt", Encoding.UTF8.GetBytes(new string('a', UploadLimit)))).ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("run.exe", "MZ\u0090\u0000")]
    [InlineData("page.html", "<html></html>")]
    [InlineData("report.pdf", "this is text, not a PDF")]
    [InlineData("photo.png", "%PDF-1.7 pretending")]
    [InlineData("notes.txt", "binary\u0000data")]
    public async Task A_file_type_off_the_allow_list_or_not_matching_its_bytes_is_refused(string fileName, string content)
    {
        await RefusedAsync(() => _api.As(Buyer).UploadAsync(fileName, Encoding.UTF8.GetBytes(content)), HttpStatusCode.UnsupportedMediaType, "attachment_type_not_allowed");
    }

    [Theory]
    [InlineData("../../etc/passwd.txt")]
    [InlineData("..\\windows\\win.ini.txt")]
    [InlineData("dir/file.txt")]
    [InlineData(".hidden.txt")]
    [InlineData("invoice\u202Efdp.txt")]
    public async Task A_file_name_with_path_segments_is_refused(string fileName)
    {
        var answer = await RefusedAsync(() => _api.As(Buyer).UploadAsync(fileName, "内容"u8.ToArray()), HttpStatusCode.BadRequest, "validation_failed");

        answer.Body.GetProperty("errors").TryGetProperty("fileName", out _).Should().BeTrue();
    }

    [Fact]
    public async Task An_upload_without_a_file_field_or_as_json_is_refused()
    {
        await RefusedAsync(() => _api.As(Buyer).UploadAsync("a.txt", "x"u8.ToArray(), field: "document"), HttpStatusCode.BadRequest, "validation_failed");
        await RefusedAsync(() => _api.As(Buyer).RawAsync(HttpMethod.Post, "/api/v1/attachments", "{}", "application/json"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Referencing_another_users_attachment_is_refused()
    {
        var providers = (await _api.As(Provider).UploadAsync("方案.txt", "实施方案"u8.ToArray())).ShouldBe(HttpStatusCode.Created).Body.GetProperty("id").GetGuid();
        var id = await _api.AtAsync("requirement_pending");

        var answer = await RefusedAsync(() => _api.As(Buyer).ActAsync(id, "submit_requirement", new { description = "见附件", attachmentIds = new[] { providers } }), HttpStatusCode.BadRequest, "validation_failed");

        answer.Body.GetProperty("errors").GetProperty("attachmentIds")[0].GetString().Should().Contain("不是您上传的");
        await RefusedAsync(() => _api.As(Buyer).GetAsync($"/api/v1/attachments/{providers}"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Bad_list_parameters_and_unknown_ids_are_refused()
    {
        await RefusedAsync(() => _api.As(Buyer).GetAsync("/api/v1/deliveries?limit=0"), HttpStatusCode.BadRequest, "validation_failed");
        await RefusedAsync(() => _api.As(Buyer).GetAsync("/api/v1/deliveries?cursor=not-a-cursor"), HttpStatusCode.BadRequest, "validation_failed");
        await RefusedAsync(() => _api.As(Buyer).GetAsync("/api/v1/tickets?status=lost"), HttpStatusCode.BadRequest, "validation_failed");
        await RefusedAsync(() => _api.As(Buyer).GetAsync($"/api/v1/deliveries/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not_found");
        await RefusedAsync(() => _api.As(Buyer).GetAsync("/api/v1/deliveries/not-a-guid"), HttpStatusCode.NotFound, "not_found");
        await RefusedAsync(() => _api.As(Buyer).GetAsync($"/api/v1/tickets/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not_found");
        await RefusedAsync(() => _api.As(Platform).PostAsync("/api/v1/notifications/999999/retry", null), HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("/api/v1/deliveries?limit=abc", "limit")]
    [InlineData("/api/v1/deliveries?limit=99999999999", "limit")]
    [InlineData("/api/v1/tasks?limit=abc", "limit")]
    [InlineData("/api/v1/tasks?limit=99999999999", "limit")]
    [InlineData("/api/v1/tickets?limit=abc", "limit")]
    [InlineData("/api/v1/tickets?limit=99999999999", "limit")]
    [InlineData("/api/v1/notifications?limit=1.5", "limit")]
    [InlineData("/api/v1/deliveries?q=a%00b", "q")]
    [InlineData("/api/v1/deliveries?stage=%00", "stage")]
    public async Task A_query_value_that_is_not_its_type_or_holds_a_nul_names_the_parameter(string path, string parameter)
    {
        var answer = await RefusedAsync(() => _api.As(Platform).GetAsync(path), HttpStatusCode.BadRequest, "validation_failed");

        answer.Body.GetProperty("errors").EnumerateObject().Select(p => p.Name).Should().Equal(parameter);
        answer.Body.GetProperty("type").GetString().Should().EndWith("/validation_failed");
    }

    [Theory]
    [InlineData("{\"description\":\"a\\u0000b\"}", "description")]
    [InlineData("{\"description\":\"\\ud800\"}", "description")]
    [InlineData("{\"description\":\"ok\",\"attachmentIds\":[\"\\udc00x\"]}", "attachmentIds[0]")]
    [InlineData("{\"description\":\"a\",\"description\":\"b\"}", "description")]
    public async Task Form_text_that_cannot_be_stored_or_a_field_given_twice_is_refused(string body, string field)
    {
        var id = await _api.AtAsync("requirement_pending");

        var answer = await RefusedAsync(() => _api.As(Buyer, "en").RawAsync(HttpMethod.Post, $"/api/v1/deliveries/{id}/actions/submit_requirement", body, "application/json"), HttpStatusCode.BadRequest, "validation_failed");

        answer.Body.GetProperty("errors").GetProperty(field)[0].GetString().Should().MatchRegex("cannot be stored|more than once");
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_is_malformed_json_even_where_any_json_document_is_accepted()
    {
        var bytes = (byte[])[.. "{\"key\":\"x\",\"description\":\""u8.ToArray(), 0xC3, 0x28, 0xFF, .. "\"}"u8.ToArray()];
        HttpRequestMessage Request()
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return new HttpRequestMessage(HttpMethod.Put, "/api/v1/definitions/x/draft") { Content = content };
        }

        var answer = await RefusedAsync(() => _api.As(Designer).SendAsync(Request()), HttpStatusCode.BadRequest, "validation_failed");

        answer.Body.GetProperty("errors").GetProperty("$")[0].GetString().Should().Contain("JSON");
    }

    [Theory]
    [InlineData("/api/v1/dev/clock/advance", "{\"by\":5}")]
    [InlineData("/api/v1/dev/clock/advance", "")]
    [InlineData("/api/v1/dev/clock/advance", "{\"by\":")]
    [InlineData("/api/v1/dev/tokens", "{\"sub\":5}")]
    [InlineData("/api/v1/dev/tokens", "[]")]
    [InlineData("/api/v1/dev/tokens", "")]
    public async Task Development_endpoints_refuse_malformed_json_like_every_other(string path, string body)
    {
        await RefusedAsync(() => _api.As(Platform).RawAsync(HttpMethod.Post, path, body, "application/json"), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_json_body_over_a_megabyte_is_refused()
    {
        var id = await _api.AtAsync("requirement_pending");

        await RefusedAsync(() => _api.As(Buyer).ActAsync(id, "submit_requirement", new { description = new string('x', 1_100_000) }), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Theory]
    [InlineData("someone-else", "servicedelivery-api")]
    [InlineData("servicedelivery", "another-api")]
    public async Task A_token_from_another_issuer_or_for_another_audience_is_unauthorized(string issuer, string audience)
    {
        var key = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(HostFactory.SigningKey));
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new System.Security.Claims.ClaimsIdentity([new("sub", "op-1"), new("role", "platform")]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(key, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });
        var client = _api.Host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        await RefusedAsync(() => new Api(client).GetAsync("/api/v1/deliveries"), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Ticket_input_outside_the_lists_or_missing_is_refused()
    {
        var id = await _api.AtAsync("implementing");
        var ticket = (await _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "other", subject = "问题", description = "说明" })).Body.GetProperty("id").GetGuid();

        var category = await RefusedAsync(() => _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "complaint", subject = "问题", description = "说明" }), HttpStatusCode.BadRequest, "validation_failed");
        var missing = await RefusedAsync(() => _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "other" }), HttpStatusCode.BadRequest, "validation_failed");
        var outcome = await RefusedAsync(() => _api.As(Platform).PostAsync($"/api/v1/tickets/{ticket}/resolve", new { outcome = "refund_half", note = "x" }), HttpStatusCode.BadRequest, "validation_failed");
        var amount = await RefusedAsync(() => _api.As(Platform).PostAsync($"/api/v1/tickets/{ticket}/resolve", new { outcome = "refund", note = "x" }), HttpStatusCode.BadRequest, "validation_failed");
        var body = await RefusedAsync(() => _api.As(Buyer).PostAsync($"/api/v1/tickets/{ticket}/messages", new { body = new string('字', 5001) }), HttpStatusCode.BadRequest, "validation_failed");

        category.Body.GetProperty("errors").TryGetProperty("category", out _).Should().BeTrue();
        missing.Body.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Contain(["subject", "description"]);
        outcome.Body.GetProperty("errors").TryGetProperty("outcome", out _).Should().BeTrue();
        amount.Body.GetProperty("errors").TryGetProperty("amount", out _).Should().BeTrue();
        body.Body.GetProperty("errors").TryGetProperty("body", out _).Should().BeTrue();
    }

    [Fact]
    public async Task A_ticket_or_message_may_only_carry_the_callers_own_attachments()
    {
        var providers = (await _api.As(Provider).UploadAsync("截图.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2])).ShouldBe(HttpStatusCode.Created).Body.GetProperty("id").GetGuid();
        var id = await _api.AtAsync("implementing");
        var ticket = (await _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "other", subject = "问题", description = "说明" })).Body.GetProperty("id").GetGuid();

        await RefusedAsync(() => _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "other", subject = "问题", description = "说明", attachmentIds = new[] { providers } }), HttpStatusCode.BadRequest, "validation_failed");
        await RefusedAsync(() => _api.As(Buyer).PostAsync($"/api/v1/tickets/{ticket}/messages", new { body = "见截图", attachmentIds = new[] { providers } }), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_bad_or_missing_token_is_unauthorized_with_a_problem()
    {
        var bad = _api.Host.CreateClient();
        bad.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad");

        var answer = await RefusedAsync(() => new Api(bad).GetAsync("/api/v1/deliveries"), HttpStatusCode.Unauthorized, "unauthorized");

        answer.Headers.WwwAuthenticate.Should().NotBeEmpty();
    }
}

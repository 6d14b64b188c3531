using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Evidence;
using ServiceDelivery.Evidence;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// The provable history (issue 23): every way of rewriting a delivery's history in the database is caught by the
/// API's verify, by the integrity sweep and by the offline check of the evidence bundle — each naming the first bad
/// entry — and an untouched history verifies everywhere.
/// </summary>
public sealed class EvidenceTests
{
    /// <summary>
    /// A history with everything in it: a refund request rejected with an internal note (entry 3), a requirement
    /// with an attachment (entry 4), then confirmed (5) and a progress note (6).
    /// </summary>
    private static async Task<Guid> StoryAsync(ApiFixture api)
    {
        var id = (await api.As(Api.Marketplace).StartAsync(api.NextOrder())).GetProperty("id").GetGuid();
        (await api.As(Api.Buyer).ActAsync(id, "request_refund")).ShouldBe(HttpStatusCode.OK);
        (await api.As(Api.Platform).ActAsync(id, "reject_refund", new { note = "服务商已开始工作", internalNote = "买家第三次申请，注意" })).ShouldBe(HttpStatusCode.OK);
        var file = (await api.As(Api.Buyer).UploadAsync("需求说明.pdf", "%PDF-1.4 需求说明"u8.ToArray())).ShouldBe(HttpStatusCode.Created).Body.GetProperty("id").GetGuid();
        (await api.As(Api.Buyer).ActAsync(id, "submit_requirement", new { description = "把 MySQL 5.7 迁移到云数据库", attachmentIds = new[] { file } })).ShouldBe(HttpStatusCode.OK);
        (await api.As(Api.Provider).ActAsync(id, "confirm_requirement")).ShouldBe(HttpStatusCode.OK);
        (await api.As(Api.Provider).ActAsync(id, "post_progress")).ShouldBe(HttpStatusCode.OK);
        return id;
    }

    private static async Task<JsonElement> VerifyAsync(ApiFixture api, Guid id, Caller? caller = null) =>
        (await api.As(caller ?? Api.Buyer).GetAsync($"/api/v1/deliveries/{id}/log/verify")).ShouldBe(HttpStatusCode.OK).Body;

    /// <summary>An anchor over everything written so far (the clock moves past the commit margin first).</summary>
    private static async Task<JsonElement> AnchorAsync(ApiFixture api)
    {
        api.Host.Clock.Advance(TimeSpan.FromMinutes(2));
        return (await api.As(Api.Platform).PostAsync("/api/v1/log/anchors", null)).ShouldBe(HttpStatusCode.Created).Body;
    }

    private static async Task<BundleReport> OfflineAsync(ApiFixture api, Guid id, Caller? caller = null)
    {
        var zip = await api.Host.ClientFor(caller ?? Api.Platform).GetByteArrayAsync($"/api/v1/deliveries/{id}/evidence");
        using var trusted = AnchorKey.FromPem(HostFactory.AnchorKey);
        using var published = AnchorKey.FromPem(trusted.PublicKeyPem);
        return BundleVerifier.Verify(new MemoryStream(zip), published);
    }

    private static async Task<(int? Seq, string Reason)?> SweepAsync(ApiFixture api, Guid id)
    {
        await api.Host.Services.GetRequiredService<LogIntegritySweep>().RunAsync(CancellationToken.None);
        await using var db = api.Db();
        var failure = await db.LogIntegrityFailures.AsNoTracking().FirstOrDefaultAsync(f => f.DeliveryId == id);
        return failure is null ? null : (failure.FirstBrokenSeq, failure.Reason);
    }

    /// <summary>The three checks agree on the first bad entry and why.</summary>
    private static async Task ShouldAllNameAsync(ApiFixture api, Guid id, int seq, string reason, string? offlineReason = null)
    {
        var verify = await VerifyAsync(api, id);
        verify.GetProperty("valid").GetBoolean().Should().BeFalse();
        verify.GetProperty("firstBrokenSeq").GetInt32().Should().Be(seq, verify.ToString());
        verify.GetProperty("reason").GetString().Should().Be(reason);

        (await SweepAsync(api, id)).Should().Be(((int?)seq, reason), "the sweep records the same finding");

        var offline = await OfflineAsync(api, id);
        offline.Valid.Should().BeFalse(string.Join("; ", offline.Problems));
        offline.FirstBrokenSeq.Should().Be(seq, string.Join("; ", offline.Problems));
        offline.Reason.Should().Be(offlineReason ?? reason);
    }

    [Fact]
    public async Task An_untouched_history_verifies_through_the_api_the_sweep_and_offline_and_a_partys_bundle_has_no_internal_notes()
    {
        await using var api = await ApiFixture.CreateAsync();
        var id = await StoryAsync(api);

        var before = await VerifyAsync(api, id);
        before.GetProperty("valid").GetBoolean().Should().BeTrue();
        before.GetProperty("entries").GetInt32().Should().Be(6);
        before.GetProperty("anchoredThrough").ValueKind.Should().Be(JsonValueKind.Null, "nothing is anchored yet");

        var anchor = await AnchorAsync(api);
        anchor.GetProperty("seq").GetInt64().Should().Be(1);
        anchor.GetProperty("size").GetInt64().Should().Be(1);
        var after = await VerifyAsync(api, id, Api.Provider);
        after.GetProperty("valid").GetBoolean().Should().BeTrue();
        after.GetProperty("anchoredThrough").GetInt32().Should().Be(6);
        after.GetProperty("head").GetString().Should().Be(before.GetProperty("head").GetString());

        (await SweepAsync(api, id)).Should().BeNull();

        var platform = await OfflineAsync(api, id, Api.Platform);
        platform.Should().BeEquivalentTo(new { Valid = true, Entries = 6, AnchoredThrough = 6, KeyPinned = true }, o => o.ExcludingMissingMembers());
        platform.Head.Should().Be(after.GetProperty("head").GetString());
        var party = await OfflineAsync(api, id, Api.Buyer);
        party.Valid.Should().BeTrue(string.Join("; ", party.Problems));
        party.Manifest.Audience.Should().Be("party");

        var zip = new ZipArchive(new MemoryStream(await api.Host.ClientFor(Api.Buyer).GetByteArrayAsync($"/api/v1/deliveries/{id}/evidence")));
        var log = await new StreamReader(zip.GetEntry(EvidenceBundle.LogFile)!.Open()).ReadToEndAsync();
        log.Should().NotContain("买家第三次申请", "a party's bundle leaves the platform's internal notes out").And.Contain("服务商已开始工作");
        zip.Entries.Should().Contain(e => e.FullName.StartsWith("attachments/", StringComparison.Ordinal), "the attachment travels with its hash");
        var summary = await new StreamReader(zip.GetEntry(EvidenceBundle.SummaryFile)!.Open()).ReadToEndAsync();
        summary.Should().Contain("日志完整").And.Contain("需求说明.pdf").And.NotContain("买家第三次申请");
    }

    [Fact]
    public async Task Other_people_get_no_verify_and_no_bundle_of_a_delivery_they_cannot_see()
    {
        await using var api = await ApiFixture.CreateAsync();
        var id = (await api.As(Api.Marketplace).StartAsync(api.NextOrder())).GetProperty("id").GetGuid();
        (await api.As(Api.OtherBuyer).GetAsync($"/api/v1/deliveries/{id}/log/verify")).ShouldBe(HttpStatusCode.NotFound, "not_found");
        (await api.As(Api.OtherProvider).GetAsync($"/api/v1/deliveries/{id}/evidence")).ShouldBe(HttpStatusCode.NotFound, "not_found");
        (await api.As(Api.Buyer).PostAsync("/api/v1/log/anchors", null)).ShouldBe(HttpStatusCode.Forbidden, "forbidden_action");
        (await api.As(Api.Buyer).GetAsync("/api/v1/log/anchors")).ShouldBe(HttpStatusCode.Forbidden, "forbidden_action");
        (await api.As(null).GetAsync($"/api/v1/deliveries/{id}/log/verify")).ShouldBe(HttpStatusCode.Unauthorized);
        (await api.As(Api.Platform).PostAsync("/api/v1/log/anchors", new { reason = 42 })).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        await using var db = api.Db();
        (await db.LogAnchors.CountAsync()).Should().Be(0, "a request with a body was meant for something else and signs nothing");
    }

    [Fact]
    public async Task An_edited_log_text_is_named_by_its_entry()
    {
        await using var api = await ApiFixture.CreateAsync();
        var id = await StoryAsync(api);
        await AnchorAsync(api);
        await using (var db = api.Db())
        {
            await db.Database.ExecuteSqlAsync($"UPDATE process_log SET data = jsonb_set(data, '{{description}}', '\"把 MySQL 8 迁移到云数据库\"') WHERE delivery_id = {id} AND seq = 4");
        }

        await ShouldAllNameAsync(api, id, 4, Reasons.EntryChanged);
    }

    [Fact]
    public async Task Two_reordered_entries_and_a_deleted_one_are_named()
    {
        await using var api = await ApiFixture.CreateAsync();
        var reordered = await StoryAsync(api);
        var deleted = await StoryAsync(api);
        await AnchorAsync(api);
        await using (var db = api.Db())
        {
            await db.Database.ExecuteSqlAsync($"UPDATE process_log SET seq = -seq WHERE delivery_id = {reordered} AND seq IN (5, 6)");
            await db.Database.ExecuteSqlAsync($"UPDATE process_log SET seq = CASE seq WHEN -5 THEN 6 ELSE 5 END WHERE delivery_id = {reordered} AND seq IN (-5, -6)");
            await db.Database.ExecuteSqlAsync($"DELETE FROM process_log WHERE delivery_id = {deleted} AND seq = 3");
        }

        await ShouldAllNameAsync(api, reordered, 5, Reasons.EntryChanged);
        await ShouldAllNameAsync(api, deleted, 3, Reasons.EntryMissing);
    }

    [Fact]
    public async Task An_attachment_whose_bytes_were_replaced_names_the_entry_that_recorded_it()
    {
        await using var api = await ApiFixture.CreateAsync();
        var id = await StoryAsync(api);
        await AnchorAsync(api);
        await using (var db = api.Db())
        {
            var sha = await db.Attachments.Where(a => a.FileName == "需求说明.pdf").Select(a => a.Sha256).SingleAsync();
            var root = api.Host.Services.GetRequiredService<ServiceDelivery.Application.Attachments.AttachmentOptions>().Root;
            var file = Directory.GetFiles(root, sha + "*", SearchOption.AllDirectories).Single();
            await File.WriteAllBytesAsync(file, "%PDF-1.4 另一份需求"u8.ToArray());
        }

        await ShouldAllNameAsync(api, id, 4, Reasons.AttachmentChanged);
    }

    [Fact]
    public async Task History_rewritten_with_fresh_hashes_is_caught_by_the_anchor()
    {
        await using var api = await ApiFixture.CreateAsync();
        var id = await StoryAsync(api);
        await AnchorAsync(api);

        // Someone who knows the encoding edits entry 4 and recomputes every hash after it, and the head: the chain
        // alone now holds, only the signed anchor still knows the old head.
        await using (var db = api.Db())
        {
            var entries = await db.ProcessLog.Where(l => l.DeliveryId == id).OrderBy(l => l.Seq).ToListAsync();
            var shas = await db.Attachments.ToDictionaryAsync(a => a.Id, a => a.Sha256);
            entries[3].Data["description"] = "把 MySQL 8 迁移到云数据库";
            var head = entries[2].Hash!;
            foreach (var entry in entries.Skip(3))
            {
                var chained = new ChainEntry(entry.DeliveryId, entry.Seq, entry.At, entry.ActorId, entry.ActorName, entry.ActorRole, entry.Action, entry.FromStage, entry.ToStage,
                    entry.Timer, entry.Data, ChainEntry.HashInternal(entry.InternalSalt, entry.InternalData), [.. entry.AttachmentIds.Select(a => shas[a])]);
                entry.Hash = head = LogChain.Link(head, chained);
                db.Entry(entry).Property(e => e.Data).IsModified = true;
            }

            var delivery = await db.Deliveries.SingleAsync(d => d.Id == id);
            delivery.LogHead = head;
            await db.SaveChangesAsync();
        }

        await ShouldAllNameAsync(api, id, 1, Reasons.AnchorMismatch);
    }

    [Fact]
    public async Task An_anchor_re_signed_with_another_key_is_refused()
    {
        await using var api = await ApiFixture.CreateAsync();
        var id = await StoryAsync(api);
        await AnchorAsync(api);
        using var other = AnchorKey.FromPem(AnchorKey.NewPrivateKeyPem());
        await using (var db = api.Db())
        {
            var anchor = await db.LogAnchors.SingleAsync();
            var statement = new AnchorStatement(anchor.Seq, anchor.From, anchor.To, anchor.Size, anchor.Root, anchor.PreviousRoot, other.KeyId);
            anchor.KeyId = other.KeyId;
            anchor.Signature = other.Sign(statement.CanonicalBytes());
            await db.SaveChangesAsync();
        }

        await ShouldAllNameAsync(api, id, 1, Reasons.SignatureInvalid);
    }

    [Fact]
    public async Task A_dropped_days_anchor_names_the_first_entry_it_proved()
    {
        await using var api = await ApiFixture.CreateAsync();
        var id = await StoryAsync(api);
        await AnchorAsync(api);
        api.Host.Clock.Advance(TimeSpan.FromDays(1));
        (await api.As(Api.Provider).ActAsync(id, "post_progress", new { note = "第二天：增量同步" })).ShouldBe(HttpStatusCode.OK);
        await AnchorAsync(api);
        api.Host.Clock.Advance(TimeSpan.FromDays(1));
        (await api.As(Api.Provider).ActAsync(id, "post_progress", new { note = "第三天：切换完成" })).ShouldBe(HttpStatusCode.OK);
        await AnchorAsync(api);
        (await VerifyAsync(api, id)).GetProperty("anchoredThrough").GetInt32().Should().Be(8);

        await using (var db = api.Db())
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM log_anchors WHERE seq = 2");
            await db.Database.ExecuteSqlAsync($"DELETE FROM log_anchor_leaves WHERE anchor_seq = 2");
        }

        await ShouldAllNameAsync(api, id, 7, Reasons.AnchorMissing);
    }

    [Fact]
    public async Task An_anchor_goes_to_the_webhook_receivers_and_the_list_carries_the_key_that_verifies_it()
    {
        await using var receiver = await TestWebhookReceiver.StartAsync();
        await using var api = await ApiFixture.CreateAsync(new Dictionary<string, string?>
        {
            ["Webhooks:Endpoints:0:Url"] = receiver.Url,
            ["Webhooks:Endpoints:0:Secret"] = receiver.Secret,
        });
        await StoryAsync(api);
        var anchor = await AnchorAsync(api);
        await api.Host.Services.GetRequiredService<ServiceDelivery.Application.Outbox.OutboxDispatcher>().DispatchDueAsync(100, CancellationToken.None);

        var received = receiver.Accepted.Single(r => r.Type == "log.anchored").Body;
        received.GetProperty("delivery").ValueKind.Should().Be(JsonValueKind.Null);
        received.GetProperty("data").GetProperty("root").GetString().Should().Be(anchor.GetProperty("root").GetString());

        var list = (await api.As(Api.Marketplace).GetAsync("/api/v1/log/anchors")).ShouldBe(HttpStatusCode.OK).Body;
        var listed = list.GetProperty("anchors")[0];
        using var key = AnchorKey.FromPem(list.GetProperty("publicKey").GetString()!);
        key.KeyId.Should().Be(list.GetProperty("keyId").GetString());
        var statement = new AnchorStatement(1, EvidenceTimeOf(listed, "from"), EvidenceTimeOf(listed, "to"), listed.GetProperty("size").GetInt64(),
            Convert.FromHexString(listed.GetProperty("root").GetString()!), new byte[32], key.KeyId);
        key.Verify(statement.CanonicalBytes(), Convert.FromBase64String(received.GetProperty("data").GetProperty("signature").GetString()!))
            .Should().BeTrue("a receiver holding the webhook can check it with the published key");

        (await api.As(Api.Platform).PostAsync("/api/v1/log/anchors", null)).ShouldBe(HttpStatusCode.OK, null).Body.GetProperty("seq").GetInt64()
            .Should().Be(1, "nothing new was written: the newest anchor is answered, none is made");
    }

    private static DateTimeOffset EvidenceTimeOf(JsonElement anchor, string name) => anchor.GetProperty(name).GetDateTimeOffset();
}

using System.Data.Common;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Attachments;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;
using static ServiceDelivery.Api.Tests.Api;

namespace ServiceDelivery.Api.Tests;

/// <summary>An upload is its row and its bytes together: a failure between them leaves neither behind.</summary>
public sealed class AttachmentAtomicityTests
{
    [Fact]
    public async Task An_upload_whose_row_does_not_commit_leaves_no_file_and_the_same_upload_works_afterwards()
    {
        var failCommit = new FailNextCommit();
        await using var host = await HostFactory.CreateAsync();
        host.TestServices = services => services.ConfigureDbContext<ServiceDeliveryDbContext>(options => options.AddInterceptors(failCommit));
        var api = new Api(host.ClientFor(Buyer));
        var root = host.Services.GetRequiredService<AttachmentOptions>().Root;
        var content = "%PDF-1.7\n验收报告 atomic"u8.ToArray();
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

        failCommit.Armed = true;
        var failed = await api.UploadAsync("验收报告.pdf", content);

        failed.Status.Should().Be(HttpStatusCode.InternalServerError);
        failCommit.Fired.Should().BeTrue("the fault hit the upload's own commit, after its bytes were moved into place");
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).Should().BeEmpty("no stored bytes and no staged file without a row");
        await using (var db = TestDatabase.Context(host.ConnectionString))
        {
            (await db.Attachments.CountAsync(a => a.Sha256 == sha)).Should().Be(0);
        }

        var stored = (await api.UploadAsync("验收报告.pdf", content)).ShouldBe(HttpStatusCode.Created).Body;
        Directory.GetFiles(root, sha, SearchOption.AllDirectories).Should().ContainSingle();
        using var download = await host.ClientFor(Buyer).GetAsync($"/api/v1/attachments/{stored.GetProperty("id").GetGuid()}");
        (await download.Content.ReadAsByteArrayAsync()).Should().Equal(content);
    }

    /// <summary>Fails the next transaction commit once armed (the database rolls the transaction back).</summary>
    private sealed class FailNextCommit : DbTransactionInterceptor
    {
        public volatile bool Armed;
        public volatile bool Fired;

        public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            if (Armed)
            {
                Armed = false;
                Fired = true;
                throw new InvalidOperationException("injected failure at commit");
            }

            return base.TransactionCommittingAsync(transaction, eventData, result, cancellationToken);
        }
    }
}

using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Evidence;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Web;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>The provable history: verify a delivery's log, download its evidence, read and make anchors (docs/evidence.md).</summary>
public static class EvidenceEndpoints
{
    public static IEndpointRouteBuilder MapEvidenceEndpoints(this IEndpointRouteBuilder app)
    {
        var deliveries = app.MapGroup("/api/v1/deliveries").WithTags("Evidence").RequireAuthorization(Policies.DeliveryReaders);
        deliveries.MapGet("/{id:guid}/log/verify", Verify).WithName("VerifyProcessLog")
            .WithSummary("Whether the delivery's process log is what was written (hash chain, attachments, signed anchors)")
            .WithDescription("Recomputes the hash chain from the stored entries and attachment bytes and checks it against the signed daily anchors. valid=false names the first entry that cannot be trusted (firstBrokenSeq) and why (reason: entry_changed, entry_missing, entry_out_of_order, head_mismatch, attachment_changed, anchor_mismatch, proof_invalid, signature_invalid, anchor_missing). anchoredThrough: the last entry a signed anchor proves; later entries are protected by the chain until the next anchor.")
            .ProducesErrors(401, 403, 404);
        deliveries.MapGet("/{id:guid}/evidence", Bundle).WithName("GetEvidenceBundle")
            .WithSummary("The delivery's evidence bundle (zip): log, attachments, chain, Merkle proofs, signed anchors, public key, printable summary")
            .WithDescription("Check it offline with `dotnet run --project tools/ServiceDelivery.Verify -- bundle.zip --key public-key.pem` (docs/evidence.md). A party's bundle leaves the platform's internal notes out; their salted hashes keep the chain verifiable. The summary is in the request's language (Accept-Language: zh-CN by default, en).")
            .Produces(200, contentType: "application/zip")
            .ProducesErrors(401, 403, 404);

        var anchors = app.MapGroup("/api/v1/log/anchors").WithTags("Evidence");
        anchors.MapGet("/", List).RequireAuthorization(Policies.Auditors).WithName("ListLogAnchors")
            .WithSummary("The signed anchors, oldest first, with the public key that verifies them (platform, marketplace)")
            .WithDescription("Every signed anchor of the process log (seq, period, size, Merkle root, previous root, key id, signature) oldest first, with the current signing key's id and public key (PEM). Keep them: an anchor a receiver holds proves the history it covers.")
            .ProducesErrors(401, 403);
        anchors.MapPost("/", Anchor).RequireAuthorization(Policies.Platform).WithName("AnchorLogNow")
            .WithSummary("Sign an anchor now over everything written since the last one (platform)")
            .WithDescription("The daily anchor is made automatically after midnight (Evidence:AnchorTimeZone). 201 with the new anchor; 200 with the newest anchor when nothing is left to anchor. Entries of the last minute (Evidence:CommitMargin) wait for the next anchor. The request has no body; one with a body is refused (400 validation_failed).")
            .ProducesErrors(400, 401, 403);
        return app;
    }

    public sealed record AnchorList(string KeyId, string PublicKey, IReadOnlyList<AnchorView> Anchors);

    private static async Task<Results<Ok<LogVerification>, ProblemHttpResult>> Verify(Guid id, LogVerifier verifier, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await verifier.VerifyAsync(http.User.ToCaller(), id, cancellationToken);
        return result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Ok(result.Value!);
    }

    internal static async Task<IResult> Bundle(Guid id, EvidenceBundles bundles, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await bundles.CreateAsync(http.User.ToCaller(), id, Messages.Culture(http), cancellationToken);
        if (result.Failure is { } failure)
        {
            return Problems.From(http, failure);
        }

        var (zip, name) = result.Value!;
        return TypedResults.File(zip, "application/zip", name);
    }

    private static async Task<Ok<AnchorList>> List(IDbContextFactory<ServiceDeliveryDbContext> contexts, AnchorKeys keys, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var anchors = await db.LogAnchors.AsNoTracking().OrderBy(a => a.Seq)
            .Select(a => new { a.Seq, a.From, a.To, a.Size, a.Root, a.PreviousRoot, a.KeyId, a.Signature })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new AnchorList(keys.Signing.KeyId, keys.Signing.PublicKeyPem, [.. anchors.Select(a => new AnchorView(
            a.Seq, a.From, a.To, a.Size, Convert.ToHexStringLower(a.Root), Convert.ToHexStringLower(a.PreviousRoot), a.KeyId,
            Convert.ToBase64String(a.Signature), (keys.Find(a.KeyId) ?? keys.Signing).PublicKeyPem))]));
    }

    private static async Task<Results<Created<AnchorView>, Ok<AnchorView>, NoContent, ProblemHttpResult>> Anchor(
        LogAnchoring anchoring, IDbContextFactory<ServiceDeliveryDbContext> contexts, AnchorKeys keys, HttpContext http, CancellationToken cancellationToken)
    {
        // The request has no body: one that carries one was meant for something else, and signs nothing.
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            return Problems.From(http, Failure.Invalid(new InputError("body", "unknown_field")));
        }

        if (await anchoring.AnchorNowAsync(http.User.ToCaller(), cancellationToken) is { } made)
        {
            return TypedResults.Created($"/api/v1/log/anchors#{made.Seq}", made);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var newest = await db.LogAnchors.AsNoTracking().OrderByDescending(a => a.Seq).FirstOrDefaultAsync(cancellationToken);
        if (newest is null)
        {
            return TypedResults.NoContent();
        }

        return TypedResults.Ok(AnchorView.Of(
            new ServiceDelivery.Evidence.AnchorStatement(newest.Seq, newest.From, newest.To, newest.Size, newest.Root, newest.PreviousRoot, newest.KeyId),
            newest.Signature,
            (keys.Find(newest.KeyId) ?? keys.Signing).PublicKeyPem));
    }
}

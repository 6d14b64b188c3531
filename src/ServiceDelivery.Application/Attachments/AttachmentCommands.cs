using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Attachments;

/// <summary>Uploading files (streamed, size-limited, type-checked) and reading them back (uploader, or who sees a delivery using them).</summary>
public sealed class AttachmentCommands(ServiceDeliveryDbContext db, IAttachmentStorage storage, AttachmentOptions options, TimeProvider clock, Commits commits)
{
    public const string TooLargeCode = "attachment_too_large";
    public const string TypeNotAllowedCode = "attachment_type_not_allowed";
    public const int MaxFileNameLength = 255;

    public long MaxBytes => options.MaxBytes;

    public async Task<Result<AttachmentView>> UploadAsync(Caller caller, string? fileName, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(content);
        if (!caller.Is(Caller.Buyer) && !caller.Is(Caller.Provider) && !caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (NameProblem(fileName) is { } problem)
        {
            return Failure.Invalid(new InputError("fileName", problem));
        }

        if (!AttachmentTypes.IsAllowedExtension(fileName!))
        {
            return new Failure(TypeNotAllowedCode);
        }

        StagedFile staged;
        try
        {
            staged = await storage.StageAsync(content, options.MaxBytes, cancellationToken);
        }
        catch (AttachmentTooLargeException)
        {
            return new Failure(TooLargeCode) { Errors = [new InputError("file", "too_large", (int)Math.Min(int.MaxValue, options.MaxBytes))] };
        }

        if (staged.Size == 0)
        {
            storage.Discard(staged);
            return Failure.Invalid(new InputError("file", "required"));
        }

        var contentType = AttachmentTypes.Detect(fileName!, staged.Head);
        if (contentType is null)
        {
            storage.Discard(staged);
            return new Failure(TypeNotAllowedCode);
        }

        var now = clock.Now();
        var record = new AttachmentRecord
        {
            Id = Guid.CreateVersion7(now),
            Sha256 = staged.Sha256,
            Size = staged.Size,
            ContentType = contentType,
            FileName = fileName!.Normalize(),
            UploadedBy = caller.Id,
            UploadedAt = now,
        };

        // The row is written first and committed last: a failure anywhere before the commit leaves neither a row
        // nor new bytes (the staged file is dropped, or kept bytes no row uses are removed again). Uploads of the
        // same bytes take one lock, so a cleanup never removes bytes another upload is about to commit a row for.
        var kept = false;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await LockBytesAsync(staged.Sha256, cancellationToken);
            db.Attachments.Add(record);
            await db.SaveChangesAsync(cancellationToken);
            kept = storage.Commit(staged);
            await commits.CommitAsync(transaction);
        }
        catch
        {
            db.ChangeTracker.Clear();
            storage.Discard(staged);
            if (kept)
            {
                await using var cleanup = await db.Database.BeginTransactionAsync(CancellationToken.None);
                await LockBytesAsync(staged.Sha256, CancellationToken.None);
                if (!await db.Attachments.AnyAsync(a => a.Sha256 == staged.Sha256, CancellationToken.None))
                {
                    storage.Delete(staged.Sha256);
                }

                await cleanup.CommitAsync(CancellationToken.None);
            }

            throw;
        }

        return AttachmentView.From(record);
    }

    private Task<int> LockBytesAsync(string sha256, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({sha256}, 0))", cancellationToken);

    /// <summary>The file, for its uploader or anyone who can see a delivery whose log or tickets reference it.</summary>
    public async Task<Result<(AttachmentView File, Stream Content)>> OpenAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var record = await db.Attachments.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (record is null || (record.UploadedBy != caller.Id && !await VisibleThroughDeliveryAsync(caller, id, cancellationToken)))
        {
            return Failure.NotFound;
        }

        try
        {
            return (AttachmentView.From(record), storage.OpenRead(record.Sha256));
        }
        catch (FileNotFoundException)
        {
            // Metadata without bytes: storage not shared between hosts, or lost. Not the caller's fault, nothing to give.
            return new Failure("attachment_unavailable");
        }
    }

    private async Task<bool> VisibleThroughDeliveryAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        // "@>" with the non-empty condition matches the partial GIN indexes: an index lookup, not a scan of the log.
        var deliveries = db.Database.SqlQuery<Guid>($"""
            SELECT delivery_id AS "Value" FROM process_log WHERE cardinality(attachment_ids) > 0 AND attachment_ids @> ARRAY[{id}]
            UNION
            SELECT delivery_id FROM tickets WHERE cardinality(attachment_ids) > 0 AND attachment_ids @> ARRAY[{id}]
            UNION
            SELECT t.delivery_id FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
            WHERE cardinality(m.attachment_ids) > 0 AND m.attachment_ids @> ARRAY[{id}]
            """);
        return await db.Deliveries.AsNoTracking().Where(d => deliveries.Contains(d.Id)).VisibleTo(caller).AnyAsync(cancellationToken);
    }

    /// <summary>A file name is metadata: refuse anything that could be read as a path or hide characters.</summary>
    private static string? NameProblem(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName))
        {
            return "required";
        }

        if (fileName.Length > MaxFileNameLength)
        {
            return "too_long";
        }

        // Format characters (e.g. U+202E, right-to-left override) can make "x.zip" display as "x.pdf".
        if (fileName.IndexOfAny(['/', '\\', ':']) >= 0 || fileName is "." or ".." || fileName.StartsWith('.')
            || fileName.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format))
        {
            return "invalid";
        }

        return null;
    }
}

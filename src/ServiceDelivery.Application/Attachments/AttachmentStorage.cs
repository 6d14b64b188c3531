namespace ServiceDelivery.Application.Attachments;

/// <summary>
/// Where file bytes live, addressed by their SHA-256 so identical files are stored once. Clients' names and
/// paths never reach it: it only ever sees streams and hashes.
/// </summary>
public interface IAttachmentStorage
{
    /// <summary>Copies <paramref name="content"/> to a temporary file, hashing and counting as it goes.</summary>
    /// <exception cref="AttachmentTooLargeException">More than <paramref name="maxBytes"/> bytes arrived.</exception>
    Task<StagedFile> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Keeps a staged file under its hash; false when those bytes were already stored (the staged copy is dropped).</summary>
    bool Commit(StagedFile file);

    /// <summary>Removes stored bytes no attachment row refers to any more.</summary>
    void Delete(string sha256);

    /// <summary>Drops staged files older than <paramref name="age"/> (left by a host that died mid-upload); returns how many.</summary>
    int DeleteStaleStaged(TimeSpan age);

    /// <summary>Drops a staged file (no-op when it is already gone).</summary>
    void Discard(StagedFile file);

    /// <summary>Reads stored bytes by hash.</summary>
    Stream OpenRead(string sha256);
}

/// <summary>A received file not yet kept: its hash, size and first bytes (for type sniffing).</summary>
public sealed record StagedFile(string TemporaryPath, string Sha256, long Size, byte[] Head);

public sealed class AttachmentTooLargeException(long limit) : Exception($"The file exceeds {limit} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>Attachment settings (section <c>Attachments</c>).</summary>
public sealed class AttachmentOptions
{
    public const string SectionName = "Attachments";

    /// <summary>Storage folder; default <c>.data/attachments</c> at the repository root.</summary>
    public string Root { get; set; } = string.Empty;

    /// <summary>Largest accepted file, in bytes (default 20 MB).</summary>
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;
}

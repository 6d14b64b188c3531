namespace ServiceDelivery.Persistence.Entities;

/// <summary>Metadata of an uploaded file; the bytes live in storage, addressed by their SHA-256.</summary>
public sealed class AttachmentRecord
{
    public Guid Id { get; set; }

    public required string Sha256 { get; set; }

    public long Size { get; set; }

    public required string ContentType { get; set; }

    /// <summary>The client's file name: metadata only, never a path.</summary>
    public required string FileName { get; set; }

    public required string UploadedBy { get; set; }

    public DateTimeOffset UploadedAt { get; set; }
}

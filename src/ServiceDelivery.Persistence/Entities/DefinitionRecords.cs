namespace ServiceDelivery.Persistence.Entities;

/// <summary>A published version of a process definition; the JSON is kept exactly as published.</summary>
public sealed class DefinitionVersionRecord
{
    public required string Key { get; set; }

    public int Version { get; set; }

    public required string Json { get; set; }

    public DateTimeOffset PublishedAt { get; set; }

    public required string PublishedBy { get; set; }

    /// <summary>What changed, in the publishing designer's words (optional).</summary>
    public string? Note { get; set; }
}

/// <summary>The draft a designer is editing (one per key).</summary>
public sealed class DefinitionDraftRecord
{
    public required string Key { get; set; }

    public required string Json { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public required string UpdatedBy { get; set; }

    /// <summary>Counts saves: the draft's ETag, so a save or publish based on an older read is refused.</summary>
    public int Revision { get; set; }
}

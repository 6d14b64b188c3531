namespace ServiceDelivery.Persistence.Entities;

/// <summary>A published version of a process definition; the JSON is kept exactly as published.</summary>
public sealed class DefinitionVersionRecord
{
    public required string Key { get; set; }

    public int Version { get; set; }

    public required string Json { get; set; }

    public DateTimeOffset PublishedAt { get; set; }

    public required string PublishedBy { get; set; }

    /// <summary>The publisher's name as the identity provider gave it at the time (null for shipped files and older rows).</summary>
    public string? PublishedByName { get; set; }

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

/// <summary>
/// A simulated path a designer saved with a definition (steps as JSON) and the stage it must end in: publishing
/// replays every scenario of the key and refuses a version where one ends elsewhere.
/// </summary>
public sealed class DefinitionScenarioRecord
{
    public required string Key { get; set; }

    public required string Name { get; set; }

    public required string Steps { get; set; }

    public required string ExpectedStage { get; set; }

    public DateTimeOffset SavedAt { get; set; }

    public required string SavedBy { get; set; }
}

/// <summary>
/// Running deliveries of one version moved to a newer one in the background. The counters are the progress every
/// host's page reads; the batch is picked up again by a sweep if the host running it dies.
/// </summary>
public sealed class MigrationBatchRecord
{
    public Guid Id { get; set; }

    public required string Key { get; set; }

    public int FromVersion { get; set; }

    public int ToVersion { get; set; }

    /// <summary>Old stage → new stage, for stages the new version no longer has.</summary>
    public Dictionary<string, string> Mapping { get; set; } = [];

    public string? Reason { get; set; }

    public required string StartedBy { get; set; }

    /// <summary>The operator's name, for the process-log entries the batch writes on their behalf.</summary>
    public required string StartedByName { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The last delivery id handled (keyset): a resumed batch goes on after it, and a refused delivery is not retried forever.</summary>
    public Guid? Cursor { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public int Total { get; set; }

    public int Migrated { get; set; }

    public int Failed { get; set; }

    /// <summary>The last refusal, for the page ("why did 3 fail").</summary>
    public string? LastError { get; set; }
}

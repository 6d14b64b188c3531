using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Simulation;
using ServiceDelivery.Engine.Validation;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Definitions;

/// <summary>
/// The designer's workflow: validate, save a draft (valid or not), publish it as the next version (only when
/// valid). Published versions never change; deliveries stay on the version they started with.
/// </summary>
public sealed class DefinitionCommands(ServiceDeliveryDbContext db, TimeProvider clock, Commits commits, DefinitionQueries queries)
{
    /// <summary>The largest definition document accepted.</summary>
    public const int MaxDocumentLength = 512 * 1024;

    public static DefinitionValidation Validate(string json) =>
        json.Length > MaxDocumentLength
            ? new DefinitionValidation(false, [new ValidationError("$", "too_large", LocalizedText.Of($"文档超过 {MaxDocumentLength} 个字符", $"the document is longer than {MaxDocumentLength} characters"))])
            : From(ProcessDefinitionLoader.Validate(json));

    /// <summary>
    /// Saves the draft of <paramref name="key"/>. With <paramref name="expectedRevision"/> (the draft's ETag, 0 for
    /// "there is none yet") a save based on an older read is a version conflict, never a silent overwrite.
    /// </summary>
    public async Task<Result<DefinitionDraftView>> SaveDraftAsync(Caller caller, string key, string json, int? expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(json);
        if (!caller.Is(Caller.Designer))
        {
            return Failure.Forbidden;
        }

        if (json.Length > MaxDocumentLength)
        {
            return Failure.Invalid(new InputError("$", "too_long", MaxDocumentLength));
        }

        var validation = Validate(json);
        if (KeyOf(json) is { } documentKey && documentKey != key)
        {
            validation = validation with
            {
                Valid = false,
                Errors = [.. validation.Errors, new ValidationError("$.key", "key_mismatch", LocalizedText.Of($"文档的 key '{documentKey}' 与地址中的 '{key}' 不一致", $"the document's key '{documentKey}' differs from '{key}' in the address"))],
            };
        }

        var draft = await db.DefinitionDrafts.FirstOrDefaultAsync(d => d.Key == key, cancellationToken);
        if (expectedRevision is { } expected && expected != (draft?.Revision ?? 0))
        {
            return Failure.VersionConflict;
        }

        if (draft is null)
        {
            draft = new DefinitionDraftRecord { Key = key, Json = json, UpdatedBy = caller.Id };
            db.DefinitionDrafts.Add(draft);
        }

        draft.Json = json;
        draft.UpdatedBy = caller.Id;
        draft.UpdatedAt = clock.Now();
        draft.Revision++;
        try
        {
            await commits.SaveAsync(db, CommitNotice.DefinitionChanged(key));
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ex.IsUniqueViolation())
        {
            // Another save (or a publish) won between our read and our write.
            return Failure.VersionConflict;
        }

        return new DefinitionDraftView(key, json, draft.Revision, draft.UpdatedAt, validation);
    }

    /// <summary>Publishes the draft of <paramref name="key"/> as the next version; refused while it is invalid.</summary>
    public const int MaxNoteLength = 500;

    public async Task<Result<DefinitionVersionView>> PublishAsync(Caller caller, string key, int? expectedRevision, string? note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Designer))
        {
            return Failure.Forbidden;
        }

        var draft = await db.DefinitionDrafts.FirstOrDefaultAsync(d => d.Key == key, cancellationToken);
        if (draft is null)
        {
            return Failure.NotFound;
        }

        if (note is { Length: > MaxNoteLength })
        {
            return Failure.Invalid(new InputError("note", "too_long", MaxNoteLength));
        }

        if (expectedRevision is { } expected && expected != draft.Revision)
        {
            // The draft changed since the designer reviewed it: publishing would ship (and delete) unseen work.
            return Failure.VersionConflict;
        }

        var validation = Validate(draft.Json);
        if (!validation.Valid || KeyOf(draft.Json) != key)
        {
            return Failure.Invalid([.. validation.Errors.Select(e => new InputError(e.Path, e.Code)), .. KeyOf(draft.Json) == key ? Array.Empty<InputError>() : [new InputError("$.key", "key_mismatch")]]);
        }

        // Every path a designer saved from the simulator must still end where it did.
        if (await FailingScenariosAsync(key, draft.Json, cancellationToken) is { Count: > 0 } failing)
        {
            return Failure.Invalid([.. failing]);
        }

        var latest = await db.DefinitionVersions.Where(d => d.Key == key).MaxAsync(d => (int?)d.Version, cancellationToken) ?? 0;
        var published = new DefinitionVersionRecord
        {
            Key = key,
            Version = latest + 1,
            Json = draft.Json,
            PublishedAt = clock.Now(),
            PublishedBy = caller.Id,
            PublishedByName = string.IsNullOrWhiteSpace(caller.Name) ? null : caller.Name.Trim()[..Math.Min(200, caller.Name.Trim().Length)],
            Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim(),
        };
        db.DefinitionVersions.Add(published);
        db.DefinitionDrafts.Remove(draft);
        try
        {
            await commits.SaveAsync(db, CommitNotice.DefinitionChanged(key));
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ex.IsUniqueViolation())
        {
            // Someone published (or changed the draft) at the same moment.
            return Failure.VersionConflict;
        }

        return ToView(published);
    }

    public const int MaxScenarioSteps = 500;

    /// <summary>Saves (or replaces) a simulated path under <paramref name="name"/> with the stage it must end in.</summary>
    public async Task<Result<ScenarioView>> SaveScenarioAsync(Caller caller, string key, string name, IReadOnlyList<ScenarioStep> steps, string expectedStage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(steps);
        if (!caller.Is(Caller.Designer))
        {
            return Failure.Forbidden;
        }

        name = name?.Trim() ?? string.Empty;
        var errors = new List<InputError>();
        if (name.Length == 0)
        {
            errors.Add(new InputError("name", "required"));
        }
        else if (name.Length > 100)
        {
            errors.Add(new InputError("name", "too_long", 100));
        }

        if (steps.Count > MaxScenarioSteps)
        {
            errors.Add(new InputError("steps", "too_long", MaxScenarioSteps));
        }

        if (string.IsNullOrWhiteSpace(expectedStage))
        {
            errors.Add(new InputError("expectedStage", "required"));
        }

        if (errors.Count > 0)
        {
            return Failure.Invalid([.. errors]);
        }

        var record = await db.DefinitionScenarios.FirstOrDefaultAsync(s => s.Key == key && s.Name == name, cancellationToken);
        if (record is null)
        {
            record = new DefinitionScenarioRecord { Key = key, Name = name, Steps = "[]", ExpectedStage = expectedStage, SavedBy = caller.Id };
            db.DefinitionScenarios.Add(record);
        }

        record.Steps = SimulationScenario.Serialize(steps);
        record.ExpectedStage = expectedStage;
        record.SavedBy = caller.Id;
        record.SavedAt = clock.Now();
        try
        {
            await commits.SaveAsync(db);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return Failure.VersionConflict;
        }

        return new ScenarioView(key, name, steps.Count, expectedStage, record.SavedAt, record.SavedBy);
    }

    public async Task<Result<bool>> DeleteScenarioAsync(Caller caller, string key, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Designer))
        {
            return Failure.Forbidden;
        }

        var deleted = await db.DefinitionScenarios.Where(s => s.Key == key && s.Name == name).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? Failure.NotFound : true;
    }

    // One error per saved scenario that no longer ends in its stage on this document (the document is valid here).
    private async Task<List<InputError>> FailingScenariosAsync(string key, string json, CancellationToken cancellationToken)
    {
        var saved = await queries.LoadScenariosAsync(key, cancellationToken);
        if (saved.Count == 0)
        {
            return [];
        }

        var definition = ProcessDefinitionLoader.LoadValid(json);
        return saved.Where(s => !s.Replay(definition).Passed).Select(s => new InputError("scenarios." + s.Name, "scenario_failed")).ToList();
    }

    internal static DefinitionVersionView ToView(DefinitionVersionRecord r) => new(r.Key, r.Version, r.PublishedAt, r.PublishedBy, r.Json, r.Note, r.PublishedByName);

    private static DefinitionValidation From(IReadOnlyList<ValidationError> errors) => new(errors.Count == 0, errors);

    private static string? KeyOf(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String
                ? key.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed record DefinitionValidation(bool Valid, IReadOnlyList<ValidationError> Errors);

public sealed record DefinitionDraftView(string Key, string Json, int Revision, DateTimeOffset UpdatedAt, DefinitionValidation Validation);

public sealed record DefinitionVersionView(string Key, int Version, DateTimeOffset PublishedAt, string PublishedBy, string Json, string? Note = null, string? PublishedByName = null);

public sealed record DefinitionSummary(string Key, LocalizedText? Name, int? LatestVersion, bool HasDraft);

public sealed record DefinitionDetail(string Key, DefinitionVersionView? Published, DefinitionDraftView? Draft);

/// <summary>A saved simulation path of a definition.</summary>
public sealed record ScenarioView(string Key, string Name, int StepCount, string ExpectedStage, DateTimeOffset SavedAt, string SavedBy);

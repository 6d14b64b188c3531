using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Validation;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>The outcome of loading a definition: the compiled definition, or every problem found.</summary>
/// <param name="Definition">The definition when valid.</param>
/// <param name="Errors">Problems, each with a JSON path; empty when valid.</param>
public sealed record DefinitionLoadResult(ProcessDefinition? Definition, IReadOnlyList<ValidationError> Errors)
{
    /// <summary>True when the document is a valid definition.</summary>
    public bool IsValid => Definition is not null;
}

/// <summary>Parses, validates (schema, then semantics) and compiles process definition documents.</summary>
public static class ProcessDefinitionLoader
{
    /// <summary>Validates without compiling; the same errors <see cref="Load(string, ISet{string}?, int?)"/> reports.</summary>
    public static IReadOnlyList<ValidationError> Validate(string json, ISet<string>? knownTemplates = null) =>
        Load(json, knownTemplates).Errors;

    /// <summary>Loads a definition from JSON text.</summary>
    /// <param name="json">The document.</param>
    /// <param name="knownTemplates">Template keys the service can render; default <see cref="NotificationTemplates.Known"/>.</param>
    /// <param name="version">The version to give the definition (the server's published version); default: the document's.</param>
    public static DefinitionLoadResult Load(string json, ISet<string>? knownTemplates = null, int? version = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : string.Empty;
            return Invalid(new ValidationError("$", "malformed_json", LocalizedText.Of("JSON 格式错误" + where, "malformed JSON" + where)));
        }

        using (parsed)
        {
            var schemaErrors = SchemaValidator.Validate(parsed.RootElement);
            if (schemaErrors.Count > 0)
            {
                return new DefinitionLoadResult(null, schemaErrors);
            }

            var document = parsed.RootElement.Deserialize<DefinitionDocument>(DefinitionDocument.SerializerOptions)!;
            var semanticErrors = SemanticValidator.Validate(document, knownTemplates ?? NotificationTemplates.Known);
            return semanticErrors.Count > 0
                ? new DefinitionLoadResult(null, semanticErrors)
                : new DefinitionLoadResult(Compile(document, version), []);
        }
    }

    /// <summary>Loads a definition that must be valid (shipped files, tests); throws with every error otherwise.</summary>
    public static ProcessDefinition LoadValid(string json, int? version = null)
    {
        var result = Load(json, null, version);
        return result.Definition ?? throw new InvalidOperationException(
            "Invalid process definition:" + Environment.NewLine + string.Join(Environment.NewLine, result.Errors));
    }

    private static DefinitionLoadResult Invalid(ValidationError error) => new(null, [error]);

    private static ProcessDefinition Compile(DefinitionDocument doc, int? version)
    {
        var forms = (doc.Forms ?? []).Select(CompileForm).ToImmutableArray();
        var formsByKey = forms.ToDictionary(f => f.Key, StringComparer.Ordinal);
        FormDefinition? Form(string? key) => key is null ? null : formsByKey[key];

        var actions = (doc.Actions ?? []).Select(a => new ActionDefinition(
            a.Key!,
            Text(a.Name)!,
            Roles(a.Roles),
            a.To!,
            Form(a.Form),
            [.. (a.Guards ?? []).Select(g => Guards.TryParse(g, out var guard) ? guard : throw new InvalidOperationException(g))],
            a.Elsewhere == "refund_not_allowed" ? RejectionCode.RefundNotAllowed : RejectionCode.InvalidTransition,
            Rules(a.Notify))).ToImmutableArray();
        var actionsByKey = actions.ToDictionary(a => a.Key, StringComparer.Ordinal);

        var stages = ImmutableArray.CreateBuilder<StageDefinition>();
        foreach (var s in doc.Stages ?? [])
        {
            var status = StageStatuses.TryParse(s.Status, out var parsed) ? parsed : throw new InvalidOperationException(s.Status);
            var stage = new StageDefinition(s.Key!, Text(s.Name)!, status, Roles(s.Assignees), Rules(s.OnEnter?.Notify));
            var timers = (s.Timers ?? []).Select(t => new TimerDefinition(
                t.Key!,
                s.Key!,
                t.After is null ? TimeSpan.Zero : IsoDuration.Parse(t.After),
                t.Perform,
                t.Remind,
                t.Before is null ? TimeSpan.Zero : IsoDuration.Parse(t.Before),
                (t.FreezeWhile ?? []).Contains("dispute_open") ? FreezeConditions.DisputeOpen : FreezeConditions.None,
                Rules(t.Notify))).ToImmutableArray();

            foreach (var timer in timers)
            {
                // A reminder keeps step with its timer: same freeze conditions, fixed offset before it.
                var target = timer.IsReminder ? timers.First(t => t.Key == timer.Remind) : timer;
                timer.FreezeWhile = target.FreezeWhile;
                timer.OffsetFromEntry = timer.IsReminder ? target.After - timer.Before : timer.After;
            }

            stage.Complete([.. (s.Actions ?? []).Select(k => actionsByKey[k])], timers);
            stages.Add(stage);
        }

        var interventions = new Dictionary<InterventionKind, InterventionDefinition>();
        foreach (var (key, i) in doc.Interventions ?? [])
        {
            var kind = Enum.GetValues<InterventionKind>().First(k => k.ToKey() == key);
            interventions[kind] = new InterventionDefinition(kind, Text(i.Name)!, i.To, Form(i.Form), Rules(i.Notify));
        }

        return new ProcessDefinition(
            doc.Key!,
            version ?? doc.Version ?? 1,
            Text(doc.Name)!,
            Text(doc.Description),
            stages.ToImmutable(),
            actions,
            forms,
            interventions.ToFrozenDictionary(),
            doc.InitialStage!,
            Rules(doc.OnStart?.Notify))
        {
            OnTicketOpened = Rules(doc.OnTicket?.Opened?.Notify),
            OnTicketAnswered = Rules(doc.OnTicket?.Answered?.Notify),
            OnTicketResolved = Rules(doc.OnTicket?.Resolved?.Notify),
        };
    }

    private static FormDefinition CompileForm(FormDocument f) => new(
        f.Key!,
        [.. (f.Fields ?? []).Select(field =>
        {
            var type = FieldTypes.TryParse(field.Type, out var parsed) ? parsed : FieldType.Text;
            var maxLength = field.MaxLength ?? type switch
            {
                FieldType.Email => FieldTypes.EmailMaxLength,
                FieldType.Url => FieldTypes.UrlMaxLength,
                _ => 0,
            };
            return new FieldDefinition(
                field.Key!,
                Text(field.Name),
                type,
                field.Required,
                maxLength,
                [.. (field.Values ?? []).Select(v => new ChoiceValue(v.Key!, Text(v.Name)!))],
                field.Internal,
                field.Min,
                field.Max,
                field.SingleLine);
        })],
        f.Attachments?.MaxCount ?? 0);

    private static LocalizedText? Text(Dictionary<string, string>? values) => values is null ? null : new LocalizedText(values);

    private static ImmutableArray<ActorRole> Roles(List<string>? roles) =>
        [.. (roles ?? []).Select(r => ActorRoles.TryParse(r, out var role) ? role : throw new InvalidOperationException(r))];

    private static ImmutableArray<NotificationRule> Rules(List<NotificationDocument>? rules) =>
        [.. (rules ?? []).Select(r => new NotificationRule(r.Template!, Roles(r.To)))];
}

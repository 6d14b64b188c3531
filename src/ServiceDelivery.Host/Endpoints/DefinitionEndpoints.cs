using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDelivery.Web;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Engine.Validation;
using ServiceDelivery.Host.Auth;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>Process definitions: read (designer, platform), validate, draft, publish (designer).</summary>
public static class DefinitionEndpoints
{
    public static IEndpointRouteBuilder MapDefinitionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/definitions").WithTags("Definitions").RequireAuthorization(Policies.DefinitionReaders);
        group.MapGet("/", List).WithName("ListDefinitions").WithSummary("Every process definition with its latest version and whether a draft exists")
            .WithDescription("One entry per process definition key: its name in the caller's language, the latest published version (null before the first publication) and whether a draft exists.").ProducesErrors(401, 403);
        group.MapGet("/schema", Schema).WithName("GetDefinitionSchema").WithSummary("The JSON Schema of process definitions")
            .WithDescription("The JSON Schema (draft 2020-12) of process definition documents, as POST /api/v1/definitions/validate applies it; for editors that complete and check definitions.").ProducesErrors(401, 403);
        group.MapGet("/{key}", Get).WithName("GetDefinition").WithSummary("The published version and the draft (with its validation)")
            .WithDescription("The published version (null before the first publication) and the draft with its validation (null when there is none). The draft's revision is its ETag for PUT /api/v1/definitions/{key}/draft.").ProducesErrors(401, 403, 404);
        group.MapGet("/{key}/versions/{n:int}", Version).WithName("GetDefinitionVersion").WithSummary("One published version, exactly as published")
            .WithDescription("The definition document of version n exactly as it was published, with when, by whom and the publication note. Deliveries started on it keep running on it until migrated.").ProducesErrors(401, 403, 404);
        group.MapPost("/validate", Validate).RequireAuthorization(Policies.Designers).WithName("ValidateDefinition")
            .WithSummary("Validate a definition document: schema and semantic checks, each error with a JSON path")
            .WithDescription("Checks the body against the schema (GET /api/v1/definitions/schema) and the semantic rules (reachable stages, known actions, timers, forms, notifications). Answers valid and every error with its JSON path, code and message in the caller's language; nothing is saved.")
            .Accepts<JsonElement>("application/json").ProducesErrors(400, 401, 403, 413, 415);
        group.MapPut("/{key}/draft", SaveDraft).RequireAuthorization(Policies.Designers).WithName("SaveDefinitionDraft")
            .WithSummary("Save the draft (valid or not) and return its validation")
            .WithDescription("ETag carries the draft's revision. Send If-Match: \"<revision>\" (\"0\" when creating) so a save based on an older read is refused with 409 version_conflict instead of overwriting another designer's work.")
            .Accepts<JsonElement>("application/json").ProducesErrors(400, 401, 403, 409, 413, 415);
        group.MapPost("/{key}/publish", Publish).RequireAuthorization(Policies.Designers).WithName("PublishDefinition")
            .WithSummary("Publish the draft as the next version; refused with 400 validation_failed while it is invalid")
            .WithDescription("Send If-Match: \"<revision>\" of the draft you reviewed: if another designer saved since, 409 version_conflict and nothing is published.")
            .ProducesErrors(400, 401, 403, 404, 409);
        return app;
    }

    public sealed record ValidationResource(bool Valid, IReadOnlyList<ValidationErrorResource> Errors);

    public sealed record ValidationErrorResource(string Path, string Code, string Message);

    public sealed record SummaryResource(string Key, string? Name, int? LatestVersion, bool HasDraft);

    public sealed record VersionResource(int Version, DateTimeOffset PublishedAt, string PublishedBy, JsonElement Definition, string? Note);

    public sealed record DraftResource(JsonElement Definition, int Revision, DateTimeOffset UpdatedAt, ValidationResource Validation);

    public sealed record DetailResource(string Key, VersionResource? Published, DraftResource? Draft);

    private static async Task<Ok<List<SummaryResource>>> List(DefinitionQueries definitions, HttpContext http, CancellationToken cancellationToken)
    {
        var culture = Messages.Culture(http);
        var list = await definitions.ListAsync(cancellationToken);
        return TypedResults.Ok(list.Select(s => new SummaryResource(s.Key, s.Name?.Get(culture), s.LatestVersion, s.HasDraft)).ToList());
    }

    private static ContentHttpResult Schema() => TypedResults.Content(SchemaValidator.SchemaText, "application/schema+json");

    private static async Task<Results<Ok<DetailResource>, ProblemHttpResult>> Get(string key, DefinitionQueries definitions, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await definitions.GetAsync(key, cancellationToken);
        if (result.Failure is { } failure)
        {
            return Problems.From(http, failure);
        }

        var culture = Messages.Culture(http);
        var detail = result.Value!;
        return TypedResults.Ok(new DetailResource(
            detail.Key,
            detail.Published is null ? null : ToResource(detail.Published),
            detail.Draft is null ? null : new DraftResource(Parse(detail.Draft.Json), detail.Draft.Revision, detail.Draft.UpdatedAt, ToResource(detail.Draft.Validation, culture))));
    }

    private static async Task<Results<Ok<VersionResource>, ProblemHttpResult>> Version(string key, int n, DefinitionQueries definitions, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await definitions.GetVersionAsync(key, n, cancellationToken);
        return result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Ok(ToResource(result.Value!));
    }

    // The document limit counts characters; in UTF-8 a Chinese character takes three bytes.
    private const int MaxDocumentBytes = DefinitionCommands.MaxDocumentLength * 3;

    private static async Task<Results<Ok<ValidationResource>, ProblemHttpResult>> Validate(HttpContext http, CancellationToken cancellationToken)
    {
        var (text, failure) = await JsonText.ReadAsync(http, MaxDocumentBytes);
        return failure is not null ? Problems.From(http, failure) : TypedResults.Ok(ToResource(DefinitionCommands.Validate(text!), Messages.Culture(http)));
    }

    private static async Task<Results<Ok<DraftResource>, ProblemHttpResult>> SaveDraft(string key, DefinitionCommands definitions, HttpContext http, CancellationToken cancellationToken)
    {
        var (text, failure) = await JsonText.ReadAsync(http, MaxDocumentBytes);
        if (failure is not null)
        {
            return Problems.From(http, failure);
        }

        if (!RequestHeaders.TryGetIfMatch(http.Request, out var revision, out var badRevision))
        {
            return Problems.From(http, badRevision!);
        }

        var result = await definitions.SaveDraftAsync(http.User.ToCaller(), key, text!, revision, cancellationToken);
        if (result.Failure is { } refused)
        {
            return Problems.From(http, refused);
        }

        var draft = result.Value!;
        RequestHeaders.SetETag(http.Response, draft.Revision);
        return TypedResults.Ok(new DraftResource(Parse(draft.Json), draft.Revision, draft.UpdatedAt, ToResource(draft.Validation, Messages.Culture(http))));
    }

    private static async Task<Results<Ok<VersionResource>, ProblemHttpResult>> Publish(string key, DefinitionCommands definitions, HttpContext http, CancellationToken cancellationToken)
    {
        if (!RequestHeaders.TryGetIfMatch(http.Request, out var revision, out var badRevision))
        {
            return Problems.From(http, badRevision!);
        }

        var result = await definitions.PublishAsync(http.User.ToCaller(), key, revision, null, cancellationToken);
        return result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Ok(ToResource(result.Value!));
    }

    private static VersionResource ToResource(DefinitionVersionView v) => new(v.Version, v.PublishedAt, v.PublishedBy, Parse(v.Json), v.Note);

    private static ValidationResource ToResource(DefinitionValidation validation, string culture) =>
        new(validation.Valid, [.. validation.Errors.Select(e => new ValidationErrorResource(e.Path, e.Code, e.Message.Get(culture)))]);

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

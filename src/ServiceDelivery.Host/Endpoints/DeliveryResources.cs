using System.Text.Json.Serialization;
using ServiceDelivery.Application;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>A delivery as the API returns it to a caller: the application's fields, plus the stage's name in the caller's language and the caller's actions.</summary>
public sealed record DeliveryResource : DeliveryView
{
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public DeliveryResource(DeliveryView view, string stageName, IReadOnlyList<NamedKey> availableActions)
        : base(view)
    {
        StageName = stageName;
        AvailableActions = availableActions;
    }

    public required string StageName { get; init; }

    public required IReadOnlyList<NamedKey> AvailableActions { get; init; }
}

public sealed record NamedKey(string Key, string Name);

public sealed record DeliveryList(IReadOnlyList<DeliveryResource> Items, string? NextCursor);

public sealed record LogEntryResource(
    int Seq,
    DateTimeOffset At,
    ActorView Actor,
    string Action,
    string ActionName,
    string? FromStage,
    string ToStage,
    IReadOnlyDictionary<string, string> Data,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? InternalData,
    IReadOnlyList<AttachmentView> Attachments,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Timer);

public sealed record TaskResource(
    Guid Id,
    string Kind,
    Guid DeliveryId,
    string OrderId,
    string ProductName,
    string Stage,
    string StageName,
    IReadOnlyList<NamedKey> Actions,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DueAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? TicketId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TicketSubject);

/// <summary>Turns application views into API resources; the definition supplies the localized names.</summary>
public sealed class DeliveryPresenter(ServiceDeliveryDbContext db, DefinitionCatalog catalog)
{
    public async Task<DeliveryResource> PresentAsync(DeliveryView view, Caller caller, string culture, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(caller);
        var definition = await DefinitionAsync(view.Definition.Key, view.Definition.Version, cancellationToken);
        var stage = definition.Stage(view.Stage);
        var actions = DeliveryAccess.AvailableActions(caller, view, definition)
            .Select(a => new NamedKey(a.Key, a.Name.Get(culture)))
            .ToList();
        return new DeliveryResource(view, stage.Name.Get(culture), actions);
    }

    public async Task<IReadOnlyList<LogEntryResource>> PresentAsync(DeliveryLog log, string culture, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        var definition = await DefinitionAsync(log.DefinitionKey, log.DefinitionVersion, cancellationToken);
        return [.. log.Entries.Select(e => new LogEntryResource(
            e.Seq, e.At, e.Actor, e.Action, ActionName(definition, e.Action, culture), e.FromStage, e.ToStage, e.Data, e.InternalData, e.Attachments, e.Timer))];
    }

    public async Task<TaskResource> PresentAsync(InboxItem item, string culture, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var definition = await DefinitionAsync(item.DefinitionKey, item.DefinitionVersion, cancellationToken);
        var stageName = definition.TryGetStage(item.Stage, out var stage) ? stage.Name.Get(culture) : item.Stage;
        return new TaskResource(
            item.Id, item.Kind, item.DeliveryId, item.OrderId, item.ProductName, item.Stage, stageName,
            [.. item.Actions.Select(a => new NamedKey(a, ActionName(definition, a, culture)))],
            item.CreatedAt, item.DueAt, item.TicketId, item.TicketSubject);
    }

    public static string ActionName(ProcessDefinition definition, string action, string culture) => DisplayNames.Action(definition, action, culture);

    private async Task<ProcessDefinition> DefinitionAsync(string key, int version, CancellationToken cancellationToken) =>
        await catalog.GetAsync(db, key, version, cancellationToken) ?? throw new InvalidOperationException($"Definition {key} v{version} is missing.");
}

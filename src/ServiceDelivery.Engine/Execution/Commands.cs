using System.Collections.Immutable;
using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Execution;

/// <summary>A stimulus for one delivery. The engine decides; the runtime persists.</summary>
/// <param name="Actor">Who issues it.</param>
public abstract record Command(Actor Actor);

/// <summary>Start a delivery for a paid order (the marketplace).</summary>
/// <param name="Actor">The marketplace.</param>
/// <param name="PaidAmount">Amount actually paid.</param>
/// <param name="Invoice">The order's invoice status at start.</param>
public sealed record StartDelivery(Actor Actor, decimal PaidAmount, InvoiceStatus Invoice) : Command(Actor);

/// <summary>A party performs an action of the definition with its form.</summary>
/// <param name="Actor">Who acts, in which role.</param>
/// <param name="Action">Action key.</param>
/// <param name="Form">Field values and attachment ids.</param>
public sealed record PerformAction(Actor Actor, string Action, FormData Form) : Command(Actor);

/// <summary>A due timer fires (the system).</summary>
/// <param name="Timer">Timer key.</param>
public sealed record FireTimer(string Timer) : Command(Actor.System);

/// <summary>An acceptance dispute (ticket) was opened: clocks that freeze on disputes stop.</summary>
/// <param name="Actor">Who opened it.</param>
/// <param name="TicketId">Ticket id.</param>
public sealed record OpenDispute(Actor Actor, string TicketId) : Command(Actor);

/// <summary>An acceptance dispute was resolved: stopped clocks resume with their remaining time.</summary>
/// <param name="Actor">Who resolved it.</param>
/// <param name="TicketId">Ticket id.</param>
public sealed record ResolveDispute(Actor Actor, string TicketId) : Command(Actor);

/// <summary>A platform intervention: move, close, complete or refund, with a reason.</summary>
/// <param name="Actor">The platform operator.</param>
/// <param name="Kind">Which intervention.</param>
/// <param name="ToStage">Target stage for <see cref="InterventionKind.Move"/>.</param>
/// <param name="Form">The intervention form (reason, internal note).</param>
/// <param name="Amount">For <see cref="InterventionKind.Refund"/>: the amount (default: the paid amount).</param>
public sealed record Intervene(Actor Actor, InterventionKind Kind, string? ToStage, FormData Form, decimal? Amount = null) : Command(Actor);

/// <summary>The input of an action: field values and referenced attachments.</summary>
/// <param name="Fields">Field key → value; absent and blank are the same.</param>
/// <param name="Attachments">Ids of uploaded attachments.</param>
public sealed record FormData(IReadOnlyDictionary<string, string> Fields, ImmutableArray<Guid> Attachments)
{
    /// <summary>No fields, no attachments.</summary>
    public static readonly FormData Empty = new(ImmutableDictionary<string, string>.Empty, []);

    /// <summary>A form with the given fields and no attachments.</summary>
    public static FormData Of(params (string Key, string Value)[] fields) =>
        new(fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal), []);
}

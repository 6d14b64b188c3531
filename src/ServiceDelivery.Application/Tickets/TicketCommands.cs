using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Tickets;

/// <summary>Opening a ticket (工单), the message thread, and the platform's resolution.</summary>
public sealed class TicketCommands(ServiceDeliveryDbContext db, DeliveryWriter writer)
{
    public const int SubjectMaxLength = 200;
    public const int TextMaxLength = 5000;
    public const int NoteMaxLength = 2000;
    public const int MaxAttachments = 10;

    /// <summary>A second acceptance dispute while one is open (409).</summary>
    public const string DisputeAlreadyOpenCode = "dispute_already_open";

    /// <summary>
    /// A buyer or provider opens a ticket on a delivery, at any time. An acceptance dispute stops the clocks that
    /// freeze on disputes (the 15-day auto-acceptance) until it is resolved; a delivery has at most one open. With an
    /// Idempotency-Key a repeat answers the ticket the first call opened.
    /// </summary>
    public async Task<Result<TicketView>> OpenAsync(Caller caller, Guid deliveryId, OpenTicketRequest request, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<InputError>();
        if (!TicketCategories.All.Contains(request.Category ?? string.Empty))
        {
            errors.Add(new InputError("category", string.IsNullOrEmpty(request.Category) ? "required" : "not_allowed_value"));
        }

        CheckText(errors, "subject", request.Subject, SubjectMaxLength, required: true);
        CheckText(errors, "description", request.Description, TextMaxLength, required: true);
        CheckAttachmentCount(errors, request.AttachmentIds);
        if (errors.Count > 0)
        {
            return Failure.Invalid([.. errors]);
        }

        var idempotency = idempotencyKey is { Length: > 0 } key
            ? Idempotency.For("ticket", caller, deliveryId, key, Idempotency.Hash([request.Category, request.Subject, request.Description, .. request.AttachmentIds.Select(a => a.ToString())]))
            : null;
        TicketRecord? ticket = null;
        return await writer.ChangeAsync(caller, deliveryId, new WriteConditions(Idempotency: idempotency), async change =>
        {
            var now = change.Now;
            var role = OpeningRole(caller, change.Record);
            if (role is null)
            {
                return Failure.Forbidden;
            }

            if (request.Category == TicketCategories.AcceptanceDispute && !change.Delivery.OpenDisputes.IsEmpty)
            {
                return new Failure(DisputeAlreadyOpenCode);
            }

            if (await DeliveryCommands.CheckAttachmentsAsync(change.Db, caller, request.AttachmentIds, cancellationToken) is { } attachments)
            {
                return attachments;
            }

            ticket = new TicketRecord
            {
                Id = Guid.CreateVersion7(now),
                DeliveryId = deliveryId,
                Category = request.Category!,
                Subject = request.Subject!.Trim(),
                Description = request.Description!,
                AttachmentIds = [.. request.AttachmentIds.Distinct()],
                Status = TicketStatuses.Open,
                OpenedById = caller.Id,
                OpenedByName = caller.Name,
                OpenedByRole = role.Value.ToKey(),
                OpenedAt = now,
            };
            change.Db.Tickets.Add(ticket);

            if (ticket.Category == TicketCategories.AcceptanceDispute)
            {
                var dispute = change.Decide(new OpenDispute(caller.As(role.Value), ticket.Id.ToString()));
                if (dispute is not null)
                {
                    return dispute;
                }
            }
            else
            {
                // Tickets serialize with the delivery's other writes, like every change to it.
                change.Touch();
            }

            NotifyTicket(change, ticket, change.Delivery.Definition.OnTicketOpened, role.Value, null, "description", ticket.Description);
            change.Outbox.Publish(change.Db, change.Record, IntegrationEvents.TicketOpened, new Dictionary<string, object?>
            {
                ["ticketId"] = ticket.Id,
                ["category"] = ticket.Category,
                ["subject"] = ticket.Subject,
                ["openedByRole"] = ticket.OpenedByRole,
            }, now);
            return null;
        }, _ => ToView(ticket!), cancellationToken);
    }

    /// <summary>A party or the platform adds a message to an open ticket.</summary>
    public async Task<Result<TicketView>> PostMessageAsync(Caller caller, Guid ticketId, PostTicketMessageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<InputError>();
        CheckText(errors, "body", request.Body, TextMaxLength, required: true);
        CheckAttachmentCount(errors, request.AttachmentIds);
        if (errors.Count > 0)
        {
            return Failure.Invalid([.. errors]);
        }

        return await OnOpenTicketAsync(caller, ticketId, async (change, ticket) =>
        {
            var now = change.Now;
            var role = DeliveryAccess.PartyRoles(caller, change.Record).FirstOrDefault(ActorRole.System);
            if (role == ActorRole.System)
            {
                return Failure.Forbidden;
            }

            if (await DeliveryCommands.CheckAttachmentsAsync(change.Db, caller, request.AttachmentIds, cancellationToken) is { } attachments)
            {
                return attachments;
            }

            // Added through the DbSet: a new row with a client-made key in a tracked collection would be taken for an update.
            var message = new TicketMessageRecord
            {
                Id = Guid.CreateVersion7(now),
                TicketId = ticket.Id,
                AuthorId = caller.Id,
                AuthorName = caller.Name,
                AuthorRole = role.ToKey(),
                Body = request.Body!,
                AttachmentIds = [.. request.AttachmentIds.Distinct()],
                At = now,
            };
            change.Db.TicketMessages.Add(message);
            ticket.Messages.Add(message);
            ticket.Version++;
            change.Touch();
            NotifyTicket(change, ticket, change.Delivery.Definition.OnTicketAnswered, role, null, "body", message.Body);
            return null;
        }, cancellationToken);
    }

    /// <summary>
    /// The platform resolves an open ticket: no change (a frozen acceptance clock resumes with its remaining time),
    /// a refund of up to the paid amount, forced completion, or closing the delivery. One transaction.
    /// </summary>
    public async Task<Result<TicketView>> ResolveAsync(Caller caller, Guid ticketId, ResolveTicketRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        var errors = new List<InputError>();
        if (!TicketOutcomes.All.Contains(request.Outcome ?? string.Empty))
        {
            errors.Add(new InputError("outcome", string.IsNullOrEmpty(request.Outcome) ? "required" : "not_allowed_value"));
        }

        CheckText(errors, "note", request.Note, NoteMaxLength, required: true);
        if (request.Outcome == TicketOutcomes.Refund && request.Amount is null)
        {
            errors.Add(new InputError("amount", "required"));
        }
        else if (request.Outcome != TicketOutcomes.Refund && request.Amount is not null)
        {
            errors.Add(new InputError("amount", "unknown_field"));
        }

        if (errors.Count > 0)
        {
            return Failure.Invalid([.. errors]);
        }

        return await OnOpenTicketAsync(caller, ticketId, (change, ticket) =>
        {
            if (Money.Check("amount", request.Amount, change.Record.Currency) is { } finer)
            {
                return ValueTask.FromResult<Failure?>(Failure.Invalid(finer));
            }

            var now = change.Now;
            var actor = caller.As(ActorRole.Platform);
            ticket.Status = TicketStatuses.Resolved;
            ticket.Outcome = request.Outcome;
            ticket.RefundAmount = request.Amount;
            ticket.ResolutionNote = request.Note;
            ticket.ResolvedById = caller.Id;
            ticket.ResolvedByName = caller.Name;
            ticket.ResolvedAt = now;
            ticket.Version++;

            if (change.Delivery.OpenDisputes.Contains(ticket.Id.ToString()))
            {
                var resolved = change.Decide(new ResolveDispute(actor, ticket.Id.ToString()));
                if (resolved is not null)
                {
                    return ValueTask.FromResult<Failure?>(resolved);
                }
            }
            else
            {
                change.Touch();
            }

            InterventionKind? kind = request.Outcome switch
            {
                TicketOutcomes.Refund => InterventionKind.Refund,
                TicketOutcomes.ForceComplete => InterventionKind.Complete,
                TicketOutcomes.CloseDelivery => InterventionKind.Close,
                _ => null,
            };

            if (kind is not null)
            {
                var form = DeliveryCommands.InterventionForm(request.Note, null);
                var intervened = change.Decide(new Intervene(actor, kind.Value, null, form, request.Amount), p => WithTicket(p, ticket));
                if (intervened is not null)
                {
                    return ValueTask.FromResult<Failure?>(intervened);
                }
            }

            NotifyTicket(change, ticket, change.Delivery.Definition.OnTicketResolved, ActorRole.Platform, request.Outcome, "note", request.Note!);
            change.Outbox.Publish(change.Db, change.Record, IntegrationEvents.TicketResolved, new Dictionary<string, object?>
            {
                ["ticketId"] = ticket.Id,
                ["category"] = ticket.Category,
                ["outcome"] = ticket.Outcome,
                ["amount"] = ticket.RefundAmount,
            }, now);
            return ValueTask.FromResult<Failure?>(null);
        }, cancellationToken);
    }

    /// <summary>Runs <paramref name="change"/> on an open ticket inside its delivery's transaction.</summary>
    private async Task<Result<TicketView>> OnOpenTicketAsync(Caller caller, Guid ticketId, Func<DeliveryChange, TicketRecord, ValueTask<Failure?>> change, CancellationToken cancellationToken)
    {
        var deliveryId = await db.Tickets.Where(t => t.Id == ticketId).Select(t => (Guid?)t.DeliveryId).FirstOrDefaultAsync(cancellationToken);
        if (deliveryId is null)
        {
            return Failure.NotFound;
        }

        TicketRecord? ticket = null;
        var result = await writer.ChangeAsync(caller, deliveryId.Value, WriteConditions.None, async unit =>
        {
            ticket = await unit.Db.Tickets.Include(t => t.Messages).FirstAsync(t => t.Id == ticketId, cancellationToken);
            return ticket.Status != TicketStatuses.Open
                ? new Failure(Failure.InvalidTransitionCode) { Stage = unit.Record.Stage }
                : await change(unit, ticket);
        }, cancellationToken);

        return result.IsSuccess ? ToView(ticket!) : result.Failure!;
    }

    public static TicketView ToView(TicketRecord t) => new(
        t.Id,
        t.DeliveryId,
        t.Category,
        t.Subject,
        t.Description,
        t.Status,
        [.. t.AttachmentIds],
        new TicketAuthor(t.OpenedById, t.OpenedByName, t.OpenedByRole),
        t.OpenedAt,
        [.. t.Messages.OrderBy(m => m.At).Select(m => new TicketMessageView(m.Id, new TicketAuthor(m.AuthorId, m.AuthorName, m.AuthorRole), m.Body, [.. m.AttachmentIds], m.At))],
        t.Status == TicketStatuses.Resolved
            ? new TicketResolution(t.Outcome!, t.RefundAmount, t.ResolutionNote ?? string.Empty, new TicketAuthor(t.ResolvedById!, t.ResolvedByName!, Caller.Platform), t.ResolvedAt!.Value)
            : null);

    private static ActorRole? OpeningRole(Caller caller, DeliveryRecord delivery)
    {
        var roles = DeliveryAccess.PartyRoles(caller, delivery);
        return roles.Contains(ActorRole.Buyer) ? ActorRole.Buyer : roles.Contains(ActorRole.Provider) ? ActorRole.Provider : null;
    }

    private static void NotifyTicket(DeliveryChange change, TicketRecord ticket, IEnumerable<NotificationRule> rules, ActorRole author, string? outcome, string textKey, string text)
    {
        // Whoever wrote needs no mail about it; everyone else the definition names does.
        var recipients = rules
            .Select(r => r with { To = [.. r.To.Where(role => role != author)] })
            .Where(r => !r.To.IsEmpty)
            .ToList();
        if (recipients.Count == 0)
        {
            return;
        }

        var payload = WithTicket(change.Payload(null, null, null), ticket) with
        {
            TicketOutcome = outcome,
            Data = new Dictionary<string, string> { [textKey] = text },
        };
        change.Outbox.Notify(change.Db, change.Record, recipients, payload, change.Now);
    }

    private static NotificationPayload WithTicket(NotificationPayload payload, TicketRecord ticket) =>
        payload with { TicketId = ticket.Id, TicketSubject = ticket.Subject, TicketCategory = ticket.Category };

    private static void CheckText(List<InputError> errors, string field, string? value, int max, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(new InputError(field, "required"));
            }
        }
        else if (value.EnumerateRunes().Count() > max)
        {
            errors.Add(new InputError(field, "too_long", max));
        }
    }

    private static void CheckAttachmentCount(List<InputError> errors, IReadOnlyList<Guid> attachments)
    {
        if (attachments.Count > MaxAttachments)
        {
            errors.Add(new InputError("attachmentIds", "too_many_attachments", MaxAttachments));
        }
    }
}

public sealed record OpenTicketRequest(string? Category, string? Subject, string? Description, IReadOnlyList<Guid> AttachmentIds);

public sealed record PostTicketMessageRequest(string? Body, IReadOnlyList<Guid> AttachmentIds);

public sealed record ResolveTicketRequest(string? Outcome, decimal? Amount, string? Note);

public sealed record TicketView(
    Guid Id,
    Guid DeliveryId,
    string Category,
    string Subject,
    string Description,
    string Status,
    IReadOnlyList<Guid> AttachmentIds,
    TicketAuthor OpenedBy,
    DateTimeOffset OpenedAt,
    IReadOnlyList<TicketMessageView> Messages,
    TicketResolution? Resolution);

public sealed record TicketAuthor(string Id, string Name, string Role);

public sealed record TicketMessageView(Guid Id, TicketAuthor Author, string Body, IReadOnlyList<Guid> AttachmentIds, DateTimeOffset At);

public sealed record TicketResolution(string Outcome, decimal? Amount, string Note, TicketAuthor ResolvedBy, DateTimeOffset ResolvedAt);

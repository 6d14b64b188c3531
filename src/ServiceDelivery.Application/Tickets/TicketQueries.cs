using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application.Tickets;

/// <summary>Reading tickets in the caller's scope: those on deliveries the caller may see.</summary>
public sealed class TicketQueries(ServiceDeliveryDbContext db)
{
    public async Task<Result<IReadOnlyList<TicketSummary>>> ForDeliveryAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!await CanSeeAsync(caller, deliveryId, cancellationToken))
        {
            return Failure.NotFound;
        }

        return await Summaries(db.Tickets.AsNoTracking().Where(t => t.DeliveryId == deliveryId), 500, cancellationToken);
    }

    /// <summary>A delivery's tickets with their threads, newest first, in one query (the console's delivery page).</summary>
    public async Task<Result<IReadOnlyList<TicketView>>> ThreadsForDeliveryAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!await CanSeeAsync(caller, deliveryId, cancellationToken))
        {
            return Failure.NotFound;
        }

        var tickets = await db.Tickets.AsNoTracking().Include(t => t.Messages)
            .Where(t => t.DeliveryId == deliveryId)
            .OrderByDescending(t => t.OpenedAt).ThenByDescending(t => t.Id)
            .Take(500)
            .ToListAsync(cancellationToken);
        return tickets.Select(TicketCommands.ToView).ToList();
    }

    /// <summary>Tickets in the caller's scope, newest first, optionally by status.</summary>
    public async Task<Result<IReadOnlyList<TicketSummary>>> ListAsync(Caller caller, string? status, int? limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (status is not (null or "" or TicketStatuses.Open or TicketStatuses.Resolved))
        {
            return Failure.Invalid(new InputError("status", "not_allowed_value"));
        }

        if (limit is < 1 or > 500)
        {
            return Failure.Invalid(new InputError("limit", "out_of_range", 500));
        }

        var visible = db.Deliveries.AsNoTracking().VisibleTo(caller).Select(d => d.Id);
        var tickets = db.Tickets.AsNoTracking().Where(t => visible.Contains(t.DeliveryId));
        if (!string.IsNullOrEmpty(status))
        {
            tickets = tickets.Where(t => t.Status == status);
        }

        return await Summaries(tickets, limit ?? 100, cancellationToken);
    }

    public async Task<Result<TicketView>> GetAsync(Caller caller, Guid ticketId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var ticket = await db.Tickets.AsNoTracking().Include(t => t.Messages).FirstOrDefaultAsync(t => t.Id == ticketId, cancellationToken);
        if (ticket is null)
        {
            return Failure.NotFound;
        }

        var delivery = await db.Deliveries.AsNoTracking().FirstAsync(d => d.Id == ticket.DeliveryId, cancellationToken);
        return DeliveryAccess.CanSee(caller, delivery) ? TicketCommands.ToView(ticket) : Failure.NotFound;
    }

    /// <summary>Whether the delivery exists and the caller may see it (and so its tickets).</summary>
    private async Task<bool> CanSeeAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken) =>
        await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId, cancellationToken) is { } delivery
        && DeliveryAccess.CanSee(caller, delivery);

    private static async Task<Result<IReadOnlyList<TicketSummary>>> Summaries(IQueryable<Persistence.Entities.TicketRecord> tickets, int limit, CancellationToken cancellationToken)
    {
        var rows = await tickets
            .OrderByDescending(t => t.OpenedAt).ThenByDescending(t => t.Id)
            .Take(limit)
            .Select(t => new TicketSummary(
                t.Id, t.DeliveryId, t.Category, t.Subject, t.Status,
                new TicketAuthor(t.OpenedById, t.OpenedByName, t.OpenedByRole), t.OpenedAt,
                t.Messages.Count, t.Outcome, t.RefundAmount, t.ResolvedAt))
            .ToListAsync(cancellationToken);
        return rows;
    }
}

public sealed record TicketSummary(
    Guid Id,
    Guid DeliveryId,
    string Category,
    string Subject,
    string Status,
    TicketAuthor OpenedBy,
    DateTimeOffset OpenedAt,
    int MessageCount,
    string? Outcome,
    decimal? RefundAmount,
    DateTimeOffset? ResolvedAt);

using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Operations;

/// <summary>
/// Filters of the console's delivery list kept on the server: any operator opens one by its link
/// (<c>/console/deliveries?saved={id}</c>) and gets the same rows.
/// </summary>
public sealed class SavedFilters(ServiceDeliveryDbContext db, TimeProvider clock, Commits commits)
{
    public const int NameMaxLength = 100;
    public const int QueryMaxLength = 2000;

    public async Task<Result<IReadOnlyList<SavedFilterView>>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        var rows = await db.SavedFilters.AsNoTracking().OrderByDescending(f => f.SavedAt).Take(200).ToListAsync(cancellationToken);
        return rows.Select(ToView).ToList();
    }

    public async Task<Result<SavedFilterView>> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        var row = await db.SavedFilters.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id, cancellationToken);
        return row is null ? Failure.NotFound : ToView(row);
    }

    /// <summary>Saves the list's query string under a name.</summary>
    public async Task<Result<SavedFilterView>> SaveAsync(Caller caller, string? name, string? query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        name = name?.Trim();
        query = (query ?? string.Empty).TrimStart('?');
        if (string.IsNullOrEmpty(name) || name.Length > NameMaxLength)
        {
            return Failure.Invalid(new InputError("name", string.IsNullOrEmpty(name) ? "required" : "too_long", NameMaxLength));
        }

        if (query.Length > QueryMaxLength)
        {
            return Failure.Invalid(new InputError("query", "too_long", QueryMaxLength));
        }

        var row = new SavedFilterRecord { Id = Guid.CreateVersion7(), Name = name, Query = query, SavedBy = caller.Id, SavedByName = caller.Name, SavedAt = clock.GetUtcNow() };
        db.SavedFilters.Add(row);
        await commits.SaveAsync(db);
        db.ChangeTracker.Clear();
        return ToView(row);
    }

    public async Task<Result<bool>> DeleteAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        return await db.SavedFilters.Where(f => f.Id == id).ExecuteDeleteAsync(cancellationToken) > 0 ? true : Failure.NotFound;
    }

    private static SavedFilterView ToView(SavedFilterRecord r) => new(r.Id, r.Name, r.Query, r.SavedBy, r.SavedByName, r.SavedAt);
}

public sealed record SavedFilterView(Guid Id, string Name, string Query, string SavedBy, string SavedByName, DateTimeOffset SavedAt);

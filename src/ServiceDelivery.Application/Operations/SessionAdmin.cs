using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application.Operations;

/// <summary>
/// The platform's view of who is signed in to the pages, and ending a person's sessions (someone who left, a lost
/// phone): their cookies stop working at once and their open pages sign out at their next check.
/// </summary>
public sealed class SessionAdmin(ServiceDeliveryDbContext db, TimeProvider clock)
{
    public const int MaxSubjectLength = 255;

    public async Task<Result<IReadOnlyList<PageSessionView>>> ListAsync(Caller caller, string? subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (subject is { Length: > MaxSubjectLength })
        {
            return Failure.Invalid(new InputError("subject", "too_long", MaxSubjectLength));
        }

        var now = clock.GetUtcNow();
        var query = db.PageSessions.AsNoTracking().Where(s => s.ExpiresAt > now);
        if (!string.IsNullOrEmpty(subject))
        {
            query = query.Where(s => s.Subject == subject);
        }

        return await query.OrderByDescending(s => s.CreatedAt).Take(200)
            .Select(s => new PageSessionView(s.Id, s.Subject, s.Name, s.Roles, s.CreatedAt, s.ExpiresAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Ends every session of <paramref name="subject"/>; answers how many there were.</summary>
    public async Task<Result<int>> RevokeAsync(Caller caller, string? subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (string.IsNullOrWhiteSpace(subject) || subject.Length > MaxSubjectLength)
        {
            return Failure.Invalid(new InputError("subject", string.IsNullOrWhiteSpace(subject) ? "required" : "too_long", MaxSubjectLength));
        }

        // One statement: nothing to signal, open pages find out at their next check.
        return await db.PageSessions.Where(s => s.Subject == subject).ExecuteDeleteAsync(CancellationToken.None);
    }
}

/// <summary>A person signed in to the pages.</summary>
public sealed record PageSessionView(Guid Id, string Subject, string Name, string Roles, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

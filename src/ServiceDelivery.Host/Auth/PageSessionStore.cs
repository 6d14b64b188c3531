using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Host.Auth;

/// <summary>
/// Server-side sessions for the pages' cookie (the cookie handler's <see cref="ITicketStore"/>): the cookie carries
/// only a row id of <c>page_sessions</c>, so a session ends for good when its row goes — at sign-out (the handler
/// removes it), when an operator revokes a person, or when it expires. Any host reads any host's sessions.
/// </summary>
public sealed class PageSessionStore(IDbContextFactory<ServiceDeliveryDbContext> contexts) : ITicketStore
{
    /// <summary>The claim that names the session in the signed-in principal (open pages re-check it).</summary>
    public const string SessionClaim = "sd_session";

    public async Task<string> StoreAsync(AuthenticationTicket ticket) => await StoreAsync(ticket, CancellationToken.None);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var id = Guid.NewGuid();
        if (ticket.Principal.Identity is ClaimsIdentity identity)
        {
            foreach (var stale in identity.FindAll(SessionClaim).ToList())
            {
                identity.RemoveClaim(stale);
            }

            identity.AddClaim(new Claim(SessionClaim, id.ToString("N")));
        }

        var principal = ticket.Principal;
        var roles = string.Join(',', principal.FindAll("role").Select(c => c.Value));
        var name = principal.FindFirst("name")?.Value ?? string.Empty;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.PageSessions.Add(new PageSessionRecord
        {
            Id = id,
            Subject = principal.FindFirst("sub")?.Value ?? string.Empty,
            Name = name.Length > 200 ? name[..200] : name,
            Roles = roles.Length > 500 ? roles[..500] : roles,
            Ticket = TicketSerializer.Default.Serialize(ticket),
            CreatedAt = ticket.Properties.IssuedUtc ?? DateTimeOffset.UtcNow,
            ExpiresAt = ticket.Properties.ExpiresUtc ?? DateTimeOffset.UtcNow.AddDays(1),
        });
        await db.SaveChangesAsync(cancellationToken);
        return id.ToString("N");
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    public async Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (!Guid.TryParseExact(key, "N", out var id))
        {
            return;
        }

        // A renewal never brings a revoked session back: it only updates a row that still exists.
        var bytes = TicketSerializer.Default.Serialize(ticket);
        var expires = ticket.Properties.ExpiresUtc ?? DateTimeOffset.UtcNow.AddDays(1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.PageSessions.Where(s => s.Id == id)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Ticket, bytes).SetProperty(s => s.ExpiresAt, expires), cancellationToken);
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(key, "N", out var id))
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var bytes = await db.PageSessions.AsNoTracking().Where(s => s.Id == id).Select(s => s.Ticket).FirstOrDefaultAsync(cancellationToken);
        return bytes is null ? null : TicketSerializer.Default.Deserialize(bytes);
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(key, "N", out var id))
        {
            return;
        }

        // Not the request's token: a sign-out that the browser gave up on must still end the session.
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.PageSessions.Where(s => s.Id == id).ExecuteDeleteAsync(CancellationToken.None);
    }

    /// <summary>Whether the session an open page was signed in with still exists (not signed out, revoked or expired).</summary>
    public async Task<bool> IsLiveAsync(string? key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(key, "N", out var id))
        {
            return false;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.PageSessions.AnyAsync(s => s.Id == id && s.ExpiresAt > now, cancellationToken);
    }
}

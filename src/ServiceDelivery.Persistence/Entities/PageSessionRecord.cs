namespace ServiceDelivery.Persistence.Entities;

/// <summary>
/// A person's sign-in to the pages, kept on the server: the cookie holds only this row's id. Signing out, or an
/// operator revoking a person, deletes the row, and every cookie and open page of that session stops working.
/// </summary>
public sealed class PageSessionRecord
{
    public Guid Id { get; set; }

    /// <summary>The person (the sign-in's <c>sub</c>).</summary>
    public required string Subject { get; set; }

    public required string Name { get; set; }

    /// <summary>Role claims, comma-separated, for the operators' list.</summary>
    public required string Roles { get; set; }

    /// <summary>The authentication ticket (claims and properties), as ASP.NET Core serializes it.</summary>
    public required byte[] Ticket { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the cookie expires (sliding: moved on when the cookie is renewed).</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}

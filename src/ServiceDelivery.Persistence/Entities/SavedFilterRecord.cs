namespace ServiceDelivery.Persistence.Entities;

/// <summary>A filter of the operations console's delivery list, saved on the server so its link works for anyone on the platform.</summary>
public sealed class SavedFilterRecord
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The list's query string (stage=…&amp;providerId=…), as the page's URL carries it.</summary>
    public required string Query { get; set; }

    public required string SavedBy { get; set; }

    public required string SavedByName { get; set; }

    public DateTimeOffset SavedAt { get; set; }
}

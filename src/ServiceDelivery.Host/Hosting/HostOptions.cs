namespace ServiceDelivery.Host.Hosting;

/// <summary>Development helpers (section <c>Dev</c>); refused in Production.</summary>
public sealed class DevOptions
{
    public const string SectionName = "Dev";

    /// <summary>Serves /api/v1/dev/tokens.</summary>
    public bool Enabled { get; set; }

    /// <summary>Uses a clock that /api/v1/dev/clock/advance moves forward.</summary>
    public bool ClockControl { get; set; }
}

/// <summary>The zero-set-up database (section <c>LocalDatabase</c>), used when no connection string is configured.</summary>
public sealed class LocalDatabaseOptions
{
    public const string SectionName = "LocalDatabase";

    /// <summary>Where the private cluster lives; default <c>.data/postgres</c> at the repository root.</summary>
    public string DataDirectory { get; set; } = string.Empty;

    public string Database { get; set; } = "servicedelivery";
}

/// <summary>Demo data (section <c>Demo</c>).</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Seeds a delivery in every stage on first start.</summary>
    public bool Seed { get; set; }
}

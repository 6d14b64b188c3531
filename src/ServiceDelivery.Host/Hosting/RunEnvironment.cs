namespace ServiceDelivery.Host.Hosting;

/// <summary>
/// Which environment the host runs in. The environment a person sets (ASPNETCORE_ENVIRONMENT, DOTNET_ENVIRONMENT or
/// --environment) always wins. Only when none is set does the launch profile's default apply, so the README's
/// `dotnet run` gives the development experience while `ASPNETCORE_ENVIRONMENT=Production dotnet run` is Production.
/// (A launch profile's ASPNETCORE_ENVIRONMENT would override the person's own setting.)
/// </summary>
public static class RunEnvironment
{
    /// <summary>Set by launchSettings.json: the environment of a plain `dotnet run`.</summary>
    public const string DefaultVariable = "SERVICEDELIVERY_DEFAULT_ENVIRONMENT";

    public static WebApplicationOptions Options(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return new WebApplicationOptions { Args = args, EnvironmentName = Chosen(args) ? null : Environment.GetEnvironmentVariable(DefaultVariable) is { Length: > 0 } fallback ? fallback : null };
    }

    private static bool Chosen(string[] args) =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"))
        || args.Any(a => a.StartsWith("--environment", StringComparison.OrdinalIgnoreCase) || a.StartsWith("/environment", StringComparison.OrdinalIgnoreCase) || a.StartsWith("environment=", StringComparison.OrdinalIgnoreCase));
}

using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Tests.Support;

/// <summary>The definitions shipped in workflows/, as copied next to the test assembly.</summary>
internal static class Shipped
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "workflows");

    public static string DeliveryJson => File.ReadAllText(Path.Combine(Folder, "manual-service-delivery.json"));

    private static readonly Lazy<ProcessDefinition> Loaded = new(() => ProcessDefinitionLoader.LoadValid(DeliveryJson));

    /// <summary>manual-service-delivery, loaded once.</summary>
    public static ProcessDefinition Delivery => Loaded.Value;
}

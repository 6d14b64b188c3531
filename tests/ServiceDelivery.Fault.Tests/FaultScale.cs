namespace ServiceDelivery.Fault.Tests;

/// <summary>CI runs the scenarios small; <c>FAULT_SCALE=full</c> runs the sizes docs/faults.md's table reports.</summary>
public static class FaultScale
{
    public static bool Full => string.Equals(Environment.GetEnvironmentVariable("FAULT_SCALE"), "full", StringComparison.OrdinalIgnoreCase);
}

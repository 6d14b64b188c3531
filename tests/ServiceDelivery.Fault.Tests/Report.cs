namespace ServiceDelivery.Fault.Tests;

/// <summary>
/// One line per scenario run, appended to <c>TestResults/fault-report.md</c> in docs/faults.md's table format
/// (scenario, load, faults injected, acknowledged operations, lost, duplicated, time).
/// </summary>
public static class Report
{
    private static readonly Lock Gate = new();

    public sealed record Row(string Scenario, string Load, string Faults, string Acknowledged, int Lost, int Duplicated, TimeSpan Time);

    public static void Add(Row row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var folder = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        var line = $"| {row.Scenario} | {row.Load} | {row.Faults} | {row.Acknowledged} | {row.Lost} | {row.Duplicated} | {row.Time.TotalSeconds:0} s | {(FaultScale.Full ? "full" : "CI")} |";
        lock (Gate)
        {
            File.AppendAllLines(Path.Combine(folder, "fault-report.md"), [line]);
        }
    }
}

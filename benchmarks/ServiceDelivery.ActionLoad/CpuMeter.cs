using System.Globalization;

namespace ServiceDelivery.ActionLoad;

/// <summary>How busy the machine's cores were between two readings, and how much CPU one process used.</summary>
internal sealed class CpuMeter(int processId)
{
    private (long Busy, long Total) _machine = Machine();
    private long _process = ProcessTicks(processId);

    /// <summary>Machine busy (0–100 %) and the process's CPU seconds since the last call.</summary>
    public (double BusyPercent, double ProcessSeconds) Lap()
    {
        var machine = Machine();
        var process = ProcessTicks(processId);
        var busy = 100.0 * (machine.Busy - _machine.Busy) / Math.Max(1, machine.Total - _machine.Total);
        var seconds = (process - _process) / 100.0; // USER_HZ
        (_machine, _process) = (machine, process);
        return (busy, seconds);
    }

    private static (long Busy, long Total) Machine()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + fields[4];
        return (fields.Sum() - idle, fields.Sum());
    }

    private static long ProcessTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}

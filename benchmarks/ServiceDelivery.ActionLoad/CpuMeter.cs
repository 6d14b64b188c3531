using System.Globalization;

namespace ServiceDelivery.ActionLoad;

/// <summary>
/// How busy the machine's cores were between two readings, and how much CPU the host, PostgreSQL (the postmaster and
/// every process under it) and this load generator used: where each request's CPU went.
/// </summary>
internal sealed class CpuMeter(int hostId, int? postmasterId)
{
    private (long Busy, long Total) _machine = Machine();
    private long _host = Ticks(hostId);
    private Dictionary<int, long> _postgres = Postgres(postmasterId);
    private long _self = Ticks(Environment.ProcessId);

    /// <summary>Machine busy (0–100 %) and the CPU seconds of the host, PostgreSQL and this process since the last call.</summary>
    public (double BusyPercent, double Host, double? Postgres, double Self) Lap()
    {
        var machine = Machine();
        var host = Ticks(hostId);
        var postgres = Postgres(postmasterId);
        var self = Ticks(Environment.ProcessId);
        var busy = 100.0 * (machine.Busy - _machine.Busy) / Math.Max(1, machine.Total - _machine.Total);

        // A process that ended between the readings (an autovacuum worker) is not counted; one that started is, whole.
        var postgresTicks = postgres.Sum(p => p.Value - _postgres.GetValueOrDefault(p.Key));
        var result = (busy, Seconds(host - _host), postmasterId is null ? (double?)null : Seconds(postgresTicks), Seconds(self - _self));
        (_machine, _host, _postgres, _self) = (machine, host, postgres, self);
        return result;
    }

    private static double Seconds(long ticks) => ticks / 100.0; // USER_HZ

    private static (long Busy, long Total) Machine()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + fields[4];
        return (fields.Sum() - idle, fields.Sum());
    }

    private static Dictionary<int, long> Postgres(int? postmasterId)
    {
        var ticks = new Dictionary<int, long>();
        if (postmasterId is not { } postmaster)
        {
            return ticks;
        }

        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } fields
                && (pid == postmaster || int.Parse(fields[1], CultureInfo.InvariantCulture) == postmaster))
            {
                ticks[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }

        return ticks;
    }

    private static long Ticks(int pid) => Stat(pid) is { } fields
        ? long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
        : 0;

    // The fields after the command name: state, ppid, …, utime (11), stime (12). Null when the process has gone.
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

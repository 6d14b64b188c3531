namespace ServiceDelivery.ActionLoad;

/// <summary>Latencies of one kind of request in one phase, and its errors.</summary>
internal sealed class Stats
{
    private readonly List<double> _millis = [];
    private readonly Lock _gate = new();

    public int Errors { get; private set; }

    public int Timeouts { get; private set; }

    public Dictionary<int, int> ErrorStatuses { get; } = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _millis.Count;
            }
        }
    }

    public void Add(double millis)
    {
        lock (_gate)
        {
            _millis.Add(millis);
        }
    }

    public void Error(int status)
    {
        lock (_gate)
        {
            Errors++;
            ErrorStatuses[status] = ErrorStatuses.GetValueOrDefault(status) + 1;
        }
    }

    public void Timeout()
    {
        lock (_gate)
        {
            Timeouts++;
        }
    }

    public double Percentile(double p)
    {
        lock (_gate)
        {
            if (_millis.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _millis.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        }
    }

    public static Stats Merge(params Stats[] parts)
    {
        var all = new Stats();
        foreach (var part in parts)
        {
            lock (part._gate)
            {
                all._millis.AddRange(part._millis);
                all.Errors += part.Errors;
                all.Timeouts += part.Timeouts;
                foreach (var (status, n) in part.ErrorStatuses)
                {
                    all.ErrorStatuses[status] = all.ErrorStatuses.GetValueOrDefault(status) + n;
                }
            }
        }

        return all;
    }
}

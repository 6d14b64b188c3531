using System.Globalization;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>
/// ISO-8601 durations limited to fixed-length units: weeks, days, hours, minutes, seconds (e.g. P15D, PT36H, P1DT12H).
/// Years and months are refused because their length depends on the calendar, which a timer must not.
/// </summary>
public static class IsoDuration
{
    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why in plain English.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string? error)
    {
        value = TimeSpan.Zero;
        error = null;
        if (string.IsNullOrEmpty(text) || text[0] != 'P' || text.Length < 3)
        {
            error = "expected an ISO-8601 duration such as P15D or PT12H";
            return false;
        }

        var ticks = 0m;
        var inTime = false;
        var seenUnit = false;
        var lastRank = -1;
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == 'T')
            {
                if (inTime || i == text.Length - 1)
                {
                    error = "misplaced 'T'";
                    return false;
                }

                inTime = true;
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || i == text.Length)
            {
                error = "expected a number followed by a unit";
                return false;
            }

            if (!decimal.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                error = $"'{text[start..i]}' is not a number";
                return false;
            }

            var unit = text[i++];
            var (rank, unitTicks) = (inTime, unit) switch
            {
                (false, 'W') => (0, TimeSpan.TicksPerDay * 7),
                (false, 'D') => (1, TimeSpan.TicksPerDay),
                (true, 'H') => (2, TimeSpan.TicksPerHour),
                (true, 'M') => (3, TimeSpan.TicksPerMinute),
                (true, 'S') => (4, TimeSpan.TicksPerSecond),
                (false, 'Y' or 'M') => (-1, 0L),
                _ => (-2, 0L),
            };

            if (rank == -1)
            {
                error = "years and months have no fixed length; use days (e.g. P30D)";
                return false;
            }

            if (rank == -2 || rank <= lastRank)
            {
                error = $"unexpected unit '{unit}'";
                return false;
            }

            lastRank = rank;
            seenUnit = true;
            ticks += number * unitTicks;
        }

        if (!seenUnit)
        {
            error = "expected at least one unit";
            return false;
        }

        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            error = "duration is too long";
            return false;
        }

        value = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException($"'{text}': {error}");

    /// <summary>
    /// An ISO-8601 duration for a time span, in days, hours, minutes and seconds (fractions to the microsecond):
    /// what the process log shows for a clock's remaining time.
    /// </summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return "PT0S";
        }

        var text = new System.Text.StringBuilder("P");
        if (value.Days > 0)
        {
            text.Append(value.Days.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('D');
        }

        var time = value - TimeSpan.FromDays(value.Days);
        if (time > TimeSpan.Zero)
        {
            text.Append('T');
            if (time.Hours > 0)
            {
                text.Append(time.Hours.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('H');
            }

            if (time.Minutes > 0)
            {
                text.Append(time.Minutes.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('M');
            }

            var seconds = time.Seconds + ((time.Ticks % TimeSpan.TicksPerSecond) / (decimal)TimeSpan.TicksPerSecond);
            if (seconds > 0)
            {
                text.Append(seconds.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return text.ToString();
    }
}

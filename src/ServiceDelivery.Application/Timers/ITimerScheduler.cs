namespace ServiceDelivery.Application.Timers;

/// <summary>
/// Asks the job system to look for due timers at given times. Only a hint after commit: the timers table is the
/// truth and a recurring sweep fires anything a lost hint would have missed.
/// </summary>
public interface ITimerScheduler
{
    void WakeAt(IEnumerable<DateTimeOffset> dueTimes);
}

/// <summary>No job system (tests of the application layer): timers fire when someone calls the firer.</summary>
public sealed class NoTimerScheduler : ITimerScheduler
{
    public void WakeAt(IEnumerable<DateTimeOffset> dueTimes)
    {
    }
}

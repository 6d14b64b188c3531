namespace ServiceDelivery.Application.Timers;

/// <summary>
/// Whether this host's timer firer's last claim took a full batch (more are likely due). While it did, every pass of
/// the outbox senders takes one batch: a burst of deadlines is not slowed by the mail it produces, which follows
/// once the burst is fired. Per host, like the firer that sets it.
/// </summary>
public sealed class TimerBacklog
{
    private bool _behind;

    public bool Behind
    {
        get => Volatile.Read(ref _behind);
        set => Volatile.Write(ref _behind, value);
    }
}

using System.Threading.Channels;

namespace ServiceDelivery.Infrastructure.Wakeups;

/// <summary>
/// An auto-reset signal for one waiting loop: any number of <see cref="Set"/> calls while the loop is busy collapse
/// into one wake-up, so a burst of commits costs the loop one more pass, not one per commit.
/// </summary>
public sealed class Wake
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Set() => _signal.Writer.TryWrite(true);

    /// <summary>Waits until set, until <paramref name="timeout"/> passed or until cancelled (no exception); true when it was set.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_signal.Reader.TryRead(out _))
        {
            return true;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            timer.CancelAfter(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout);
        }

        try
        {
            return await _signal.Reader.WaitToReadAsync(timer.Token) && _signal.Reader.TryRead(out _);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

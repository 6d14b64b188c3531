namespace ServiceDelivery.Application.Outbox;

/// <summary>
/// Tells the senders that new outbox rows committed. Only a hint: a recurring sweep sends whatever a lost hint
/// would have missed.
/// </summary>
public interface IOutboxSignal
{
    void Pending();
}

/// <summary>No job system (application tests): rows are sent when someone calls the dispatcher.</summary>
public sealed class NoOutboxSignal : IOutboxSignal
{
    public void Pending()
    {
    }
}

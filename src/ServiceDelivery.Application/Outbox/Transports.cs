namespace ServiceDelivery.Application.Outbox;

/// <summary>A rendered mail: subject, plain text and HTML.</summary>
public sealed record RenderedMail(string Subject, string Text, string Html);

/// <summary>Renders a notification template for one recipient.</summary>
public interface IMailComposer
{
    /// <summary>Renders <paramref name="template"/> in <paramref name="culture"/> with <paramref name="model"/>.</summary>
    RenderedMail Compose(string template, string culture, IReadOnlyDictionary<string, object?> model);
}

/// <summary>A mail ready to go. <see cref="MessageKey"/> is stable per outbox row and becomes the Message-Id.</summary>
public sealed record OutgoingMail(string MessageKey, string Template, string ToAddress, string? ToName, RenderedMail Content);

/// <summary>Where mail goes: sessions that each send several mails over one connection.</summary>
public interface IMailTransport
{
    /// <summary>A session; it connects when it sends its first mail.</summary>
    Task<IMailSession> OpenAsync(CancellationToken cancellationToken);
}

public interface IMailSession : IAsyncDisposable
{
    /// <exception cref="DeliveryFailedException">The mail was not accepted.</exception>
    Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken);
}

/// <summary>An integration event for one endpoint.</summary>
public sealed record OutgoingWebhook(string Url, string Type, Guid EventId, string Body);

public interface IWebhookTransport
{
    /// <exception cref="DeliveryFailedException">The receiver did not take it.</exception>
    Task SendAsync(OutgoingWebhook webhook, CancellationToken cancellationToken);
}

/// <summary>A message could not be delivered; permanent failures are not retried.</summary>
public sealed class DeliveryFailedException(string message, bool permanent, Exception? inner = null) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent;
}

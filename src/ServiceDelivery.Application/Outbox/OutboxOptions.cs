namespace ServiceDelivery.Application.Outbox;

/// <summary>Notification delivery (section <c>Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary>Where the platform's reviewers read refund and ticket notifications.</summary>
    public string PlatformMailbox { get; set; } = "platform-review@servicedelivery.local";

    /// <summary>Base of the links in mails: the delivery is at {BaseUrl}/deliveries/{id}.</summary>
    public string BaseUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Attempts before a message is marked failed (it can then be retried through the operations API).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait after the first failure; doubled after each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a sender holds the messages it claimed; if it dies, another takes over after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest one send may take (SMTP and webhook time-outs stay below it): a message is only sent while its lease outlasts this.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Messages claimed per statement.</summary>
    public int BatchSize { get; set; } = OutboxDispatcher.DefaultBatchSize;

    /// <summary>Sender loops per host, each claiming its own batches.</summary>
    public int Senders { get; set; } = 2;

    /// <summary>Messages a sender has in flight at once (each lane borrows a kept-open SMTP connection).</summary>
    public int Parallelism { get; set; } = 16;

    /// <summary>How long a woken sender waits for more commits before it claims, so a burst costs one claim.</summary>
    public TimeSpan Coalesce { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often a sender looks for due messages when nothing woke it (retries fall due this way).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The wait before attempt number <paramref name="attempts"/> + 1.</summary>
    public TimeSpan Backoff(int attempts)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(RetryBaseDelay.Ticks * factor, MaxRetryDelay.Ticks));
        return delay;
    }
}

/// <summary>Webhook receivers of integration events (section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    public List<WebhookEndpoint> Endpoints { get; } = [];
}

/// <summary>One receiver: its URL, the HMAC secret it verifies with, and optionally which event types it wants.</summary>
public sealed class WebhookEndpoint
{
    public string Url { get; set; } = string.Empty;

    /// <summary>HMAC-SHA256 key (from the environment in production).</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>Event types to send; empty means all.</summary>
    public List<string> Events { get; } = [];

    public bool Wants(string type) => Events.Count == 0 || Events.Contains(type, StringComparer.Ordinal);
}

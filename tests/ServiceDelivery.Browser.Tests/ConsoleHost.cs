using System.Globalization;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>
/// The host as the operations console sees it: the demo data seeded, mail to a real SMTP server in the test
/// (which a test can stop and start), and retries short enough that a failed mail is failed within seconds.
/// </summary>
public sealed class ConsoleHost : HostProcess
{
    public TestSmtpServer Smtp { get; } = TestSmtpServer.Start();

    protected override void Configure(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        environment["Demo__Seed"] = "true";
        environment["Smtp__Host"] = "127.0.0.1";
        environment["Smtp__Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture);
        environment["Notifications__MaxAttempts"] = "2";
        environment["Notifications__RetryBaseDelay"] = "00:00:01";
        environment["Notifications__PollInterval"] = "00:00:01";
        environment["Sessions__RevalidationInterval"] = "00:00:01";
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

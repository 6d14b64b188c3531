using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Infrastructure.Notifications;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Integration.Tests;

/// <summary>The SMTP sender against a real server that wants a login, and one that speaks STARTTLS with its own certificate.</summary>
// Measures the process's heap: runs alone, after the parallel tests, so their allocations do not count.
[Collection(nameof(AloneInTheProcess))]
public sealed class SmtpTransportTests
{
    private static readonly OutgoingMail Mail = new("outbox-1", "delivery_started", "zhangsan@buyer.example", "张三", new RenderedMail("服务已开始", "正文", "<p>正文</p>"));

    [Fact]
    public async Task A_server_that_wants_a_login_takes_the_mail_with_the_right_one_and_refuses_the_wrong_one_for_a_retry()
    {
        await using var smtp = TestSmtpServer.Start("mailer", "s3cret");

        await Transport(smtp, userName: "mailer", password: "s3cret").SendOneAsync(Mail);
        var wrong = () => Transport(smtp, userName: "mailer", password: "wrong").SendOneAsync(Mail);
        var none = () => Transport(smtp).SendOneAsync(Mail);

        smtp.Messages.Should().ContainSingle().Which.Subject.Should().Be("服务已开始");
        (await wrong.Should().ThrowAsync<DeliveryFailedException>()).Which.Permanent.Should().BeFalse("a wrong login is configuration: mails wait for the fix");
        smtp.RefusedLogins.Should().BeGreaterThan(0, "the server saw the login and refused it");
        (await none.Should().ThrowAsync<DeliveryFailedException>()).Which.Permanent.Should().BeFalse("a missing login (530) is configuration too");
        smtp.Messages.Should().HaveCount(1, "nothing got through without the right login");
    }

    [Fact]
    public async Task Starttls_to_a_self_signed_server_sends_only_when_its_fingerprint_is_trusted()
    {
        using var certificate = TestSmtpServer.SelfSignedCertificate();
        await using var smtp = TestSmtpServer.Start("mailer", "s3cret", certificate);
        var fingerprint = certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);

        var untrusted = () => Transport(smtp, "starttls", "mailer", "s3cret").SendOneAsync(Mail);
        (await untrusted.Should().ThrowAsync<DeliveryFailedException>()).Which.Permanent.Should().BeFalse();
        smtp.Messages.Should().BeEmpty("the login is never sent to a server that is not trusted");

        var otherPin = () => Transport(smtp, "starttls", "mailer", "s3cret", new string('A', 64)).SendOneAsync(Mail);
        await otherPin.Should().ThrowAsync<DeliveryFailedException>();

        // Colons and case as a certificate viewer prints them are fine.
        var printed = string.Join(':', fingerprint.Chunk(2).Select(pair => new string(pair))).ToLowerInvariant();
        await Transport(smtp, "starttls", "mailer", "s3cret", printed).SendOneAsync(Mail);
        smtp.Messages.Should().ContainSingle();
    }

    [Fact]
    public async Task A_transport_that_keeps_its_connections_keeps_no_mail_after_sending_it()
    {
        await using var smtp = TestSmtpServer.Start();
        smtp.KeepMessages = false;
        await using var transport = Transport(smtp);
        await SendAsync(transport, 200, lanes: 4);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        await SendAsync(transport, 2000, lanes: 4);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        smtp.Received.Should().Be(2200);
        (after - before).Should().BeLessThan(2 * 1024 * 1024, "a sent mail is garbage; 2,000 retained mails would be about 20 MB");
    }

    private static async Task SendAsync(SmtpMailTransport transport, int count, int lanes) =>
        await Parallel.ForEachAsync(Enumerable.Range(0, lanes), async (lane, _) =>
        {
            await using var session = await transport.OpenAsync(CancellationToken.None);
            for (var i = lane; i < count; i += lanes)
            {
                await session.SendAsync(Mail with { MessageKey = $"outbox-{lane}-{i}" }, CancellationToken.None);
            }
        });

    private static SmtpMailTransport Transport(TestSmtpServer smtp, string tls = "none", string? userName = null, string? password = null, string? trusted = null) =>
        new(new SmtpOptions
        {
            Host = "127.0.0.1",
            Port = smtp.Port,
            UseTls = tls,
            UserName = userName,
            Password = password,
            TrustedCertificateSha256 = trusted,
            Timeout = TimeSpan.FromSeconds(10),
        });
}

internal static class MailTransportExtensions
{
    /// <summary>One mail in a session of its own.</summary>
    public static async Task SendOneAsync(this IMailTransport transport, OutgoingMail mail)
    {
        await using var session = await transport.OpenAsync(CancellationToken.None);
        await session.SendAsync(mail, CancellationToken.None);
    }
}

/// <summary>Test classes that measure the whole process (e.g. its heap) and must not share it with running tests.</summary>
[CollectionDefinition(nameof(AloneInTheProcess), DisableParallelization = true)]
public sealed class AloneInTheProcess;

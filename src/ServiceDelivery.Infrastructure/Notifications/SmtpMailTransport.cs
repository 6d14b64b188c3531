using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using IMailTransport = ServiceDelivery.Application.Outbox.IMailTransport;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;
using ServiceDelivery.Application.Outbox;

namespace ServiceDelivery.Infrastructure.Notifications;

/// <summary>SMTP settings (section <c>Smtp</c>); the password comes from the environment.</summary>
public sealed class SmtpOptions
{
    public const string SectionName = "Smtp";

    /// <summary>Empty: no SMTP server; mails are logged instead of sent.</summary>
    public string Host { get; set; } = string.Empty;

    public int Port { get; set; } = 25;

    /// <summary>none, starttls or tls.</summary>
    public string UseTls { get; set; } = "none";

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "ServiceDelivery <noreply@servicedelivery.local>";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// SHA-256 fingerprint (hex) of a server certificate to accept although no trusted authority signed it: an
    /// internal relay with a self-signed certificate. Empty: only certificates the machine trusts.
    /// </summary>
    public string? TrustedCertificateSha256 { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);

    public SecureSocketOptions SocketOptions => UseTls.ToUpperInvariant() switch
    {
        "NONE" => SecureSocketOptions.None,
        "STARTTLS" => SecureSocketOptions.StartTls,
        "TLS" => SecureSocketOptions.SslOnConnect,
        _ => throw new InvalidOperationException($"Smtp:UseTls must be none, starttls or tls, not '{UseTls}'."),
    };
}

/// <summary>
/// Sends mail over SMTP with MailKit: a session keeps one connection for the mails of a sender's batch (connect,
/// log in once, then one MAIL/RCPT/DATA per mail), a Message-Id that is stable per outbox row, and failures sorted
/// into transient (retry) and permanent (5xx).
/// </summary>
public sealed class SmtpMailTransport(SmtpOptions options) : IMailTransport
{
    /// <summary>Names the notification kind, for mail filters (and tests).</summary>
    public const string TemplateHeader = "X-ServiceDelivery-Template";

    public Task<IMailSession> OpenAsync(CancellationToken cancellationToken) => Task.FromResult<IMailSession>(new Session(options));

    private sealed class Session(SmtpOptions options) : IMailSession
    {
        private readonly MailboxAddress _from = MailboxAddress.Parse(options.From);
        private SmtpClient? _client;

        public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(mail);
            using var message = new MimeMessage
            {
                Subject = mail.Content.Subject,
                MessageId = $"{mail.MessageKey}@{_from.Domain}",
                Body = new BodyBuilder { TextBody = mail.Content.Text, HtmlBody = mail.Content.Html }.ToMessageBody(),
            };
            message.Headers.Add(TemplateHeader, mail.Template);
            message.From.Add(_from);
            message.To.Add(new MailboxAddress(mail.ToName ?? string.Empty, mail.ToAddress));

            try
            {
                var client = await ConnectedAsync(cancellationToken);
                await client.SendAsync(message, cancellationToken);
            }
            catch (SmtpCommandException ex)
            {
                // 5xx: the server refuses for good (bad mailbox, policy); 4xx: try again later. A missing login (530) is
                // configuration, like a wrong one below: retried. Texts can hold addresses: kept out.
                await ResetAsync();
                var permanent = (int)ex.StatusCode >= 500 && ex.StatusCode != SmtpStatusCode.AuthenticationRequired;
                throw new DeliveryFailedException($"SMTP {(int)ex.StatusCode} {ex.StatusCode} ({ex.ErrorCode})", permanent, ex);
            }
            catch (Exception ex) when (ex is SocketException or IOException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await ResetAsync();
                throw new DeliveryFailedException($"SMTP server unreachable: {ex.GetType().Name}", permanent: false, ex);
            }
            catch (Exception ex) when (ex is AuthenticationException or ServiceNotAuthenticatedException)
            {
                // A wrong or missing login is configuration, not the mail (so is an untrusted certificate, below): keep
                // retrying, so the mails go out once an operator fixes the settings instead of each needing a manual retry.
                await ResetAsync();
                throw new DeliveryFailedException("SMTP authentication failed", permanent: false, ex);
            }
            catch (SslHandshakeException ex)
            {
                await ResetAsync();
                throw new DeliveryFailedException("SMTP server certificate not trusted (see Smtp:TrustedCertificateSha256)", permanent: false, ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_client is { IsConnected: true })
            {
                try
                {
                    using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await _client.DisconnectAsync(quit: true, quit.Token);
                }
                catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException)
                {
                    // The mails are sent; a server that hangs up rudely at QUIT changes nothing.
                }
            }

            _client?.Dispose();
        }

        private async Task<SmtpClient> ConnectedAsync(CancellationToken cancellationToken)
        {
            if (_client is { IsConnected: true })
            {
                return _client;
            }

            _client?.Dispose();
            _client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds, ServerCertificateValidationCallback = AcceptCertificate };
            await _client.ConnectAsync(options.Host, options.Port, options.SocketOptions, cancellationToken);
            if (!string.IsNullOrEmpty(options.UserName))
            {
                await _client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, cancellationToken);
            }

            return _client;
        }

        /// <summary>After a failure the connection's state is unknown: the next mail starts a new one.</summary>
        private ValueTask ResetAsync()
        {
            _client?.Dispose();
            _client = null;
            return ValueTask.CompletedTask;
        }

        private bool AcceptCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
            errors == SslPolicyErrors.None
            || (certificate is not null && !string.IsNullOrWhiteSpace(options.TrustedCertificateSha256)
                && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), options.TrustedCertificateSha256.Replace(":", string.Empty, StringComparison.Ordinal).Trim(), StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>No SMTP server configured (the demo): mails are logged, without addresses or bodies, and count as sent.</summary>
public sealed partial class LogMailTransport(ILogger<LogMailTransport> logger) : IMailTransport, IMailSession
{
    public Task<IMailSession> OpenAsync(CancellationToken cancellationToken) => Task.FromResult<IMailSession>(this);

    public Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        LogMail(logger, mail.MessageKey, mail.Content.Subject);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "No SMTP server configured (Smtp:Host); mail {MessageKey} not sent: \"{Subject}\"")]
    private static partial void LogMail(ILogger logger, string messageKey, string subject);
}

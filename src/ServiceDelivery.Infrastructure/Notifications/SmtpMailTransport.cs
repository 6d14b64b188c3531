using System.Collections.Concurrent;
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
/// Sends mail over SMTP with MailKit. Connections are kept open and shared by the sender's lanes (connect and log
/// in once, then one MAIL/RCPT/DATA per mail); one idle longer than <see cref="IdleTimeout"/> is closed. A
/// Message-Id stable per outbox row; failures sorted into transient (retry) and permanent (5xx).
/// </summary>
public sealed class SmtpMailTransport(SmtpOptions options) : IMailTransport, IAsyncDisposable
{
    /// <summary>Names the notification kind, for mail filters (and tests).</summary>
    public const string TemplateHeader = "X-ServiceDelivery-Template";

    /// <summary>Servers hang up on idle clients after a while (Postfix: 300 s); close ours well before.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Servers also limit a session: its length, or the mails in it (Exim: 1,000). A connection is retired after a
    /// minute or 500 mails, whichever comes first, before the server cuts it mid-mail.
    /// </summary>
    public static readonly TimeSpan MaxConnectionAge = TimeSpan.FromMinutes(1);

    private const int MaxMailsPerConnection = 500;

    private const int MaxIdleConnections = 64;

    private readonly ConcurrentStack<Connection> _idle = new();
    private readonly MailboxAddress _from = MailboxAddress.Parse(options.From);

    public Task<IMailSession> OpenAsync(CancellationToken cancellationToken) => Task.FromResult<IMailSession>(new Session(this));

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryPop(out var connection))
        {
            await connection.CloseAsync();
        }
    }

    private Connection? RentIdle()
    {
        while (_idle.TryPop(out var connection))
        {
            if (connection.IsUsable)
            {
                return connection;
            }

            _ = connection.CloseAsync().AsTask();
        }

        return null;
    }

    private void Return(Connection connection)
    {
        if (connection.IsUsable && _idle.Count < MaxIdleConnections)
        {
            connection.LastUsed = Environment.TickCount64;
            _idle.Push(connection);
        }
        else
        {
            _ = connection.CloseAsync().AsTask();
        }
    }

    private async Task<Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds, ServerCertificateValidationCallback = AcceptCertificate };
        // Our own socket, for TCP_NODELAY: MailKit writes a message in several pieces, and with Nagle on each later
        // piece waits for the server's delayed ACK (40 ms a mail, measured).
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken);
            await client.ConnectAsync(socket, options.Host, options.Port, options.SocketOptions, cancellationToken);
            if (!string.IsNullOrEmpty(options.UserName))
            {
                await client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, cancellationToken);
            }
        }
        catch
        {
            client.Dispose();
            socket.Dispose();
            throw;
        }

        return new Connection(client);
    }

    private MimeMessage Message(OutgoingMail mail)
    {
        var message = new MimeMessage
        {
            Subject = mail.Content.Subject,
            MessageId = $"{mail.MessageKey}@{_from.Domain}",
            Body = new BodyBuilder { TextBody = mail.Content.Text, HtmlBody = mail.Content.Html }.ToMessageBody(),
        };
        message.Headers.Add(TemplateHeader, mail.Template);
        // A new address each time: a message's address list subscribes to the address's Changed event, so one shared
        // instance would keep every message ever sent alive (measured: 11 KB a mail, never collected).
        message.From.Add(new MailboxAddress(_from.Name, _from.Address));
        message.To.Add(new MailboxAddress(mail.ToName ?? string.Empty, mail.ToAddress));
        return message;
    }

    private bool AcceptCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None
        || (certificate is not null && !string.IsNullOrWhiteSpace(options.TrustedCertificateSha256)
            && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), options.TrustedCertificateSha256.Replace(":", string.Empty, StringComparison.Ordinal).Trim(), StringComparison.OrdinalIgnoreCase));

    private static bool IsConnectionLost(Exception ex) =>
        ex is SocketException or IOException or SmtpProtocolException or ServiceNotConnectedException;

    /// <summary>One open SMTP connection: when it was opened and last used, how many mails it carried.</summary>
    private sealed class Connection(SmtpClient client)
    {
        private readonly long _opened = Environment.TickCount64;

        public SmtpClient Client { get; } = client;

        public long LastUsed { get; set; } = Environment.TickCount64;

        public int Mails { get; set; }

        public bool IsUsable =>
            Client.IsConnected
            && Environment.TickCount64 - LastUsed < IdleTimeout.TotalMilliseconds
            && Environment.TickCount64 - _opened < MaxConnectionAge.TotalMilliseconds
            && Mails < MaxMailsPerConnection;

        public async ValueTask CloseAsync()
        {
            try
            {
                if (Client.IsConnected)
                {
                    using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await Client.DisconnectAsync(quit: true, quit.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException)
            {
                // Nothing is lost: the mails on it were sent or will be retried.
            }
            finally
            {
                Client.Dispose();
            }
        }
    }

    /// <summary>A lane of the sender: it borrows a connection on its first mail and gives it back at the end.</summary>
    private sealed class Session(SmtpMailTransport transport) : IMailSession
    {
        private Connection? _connection;

        public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(mail);
            using var message = transport.Message(mail);
            try
            {
                var reused = _connection is not null || (_connection = transport.RentIdle()) is not null;
                _connection ??= await transport.ConnectAsync(cancellationToken);
                try
                {
                    _connection.Mails++;
                    await _connection.Client.SendAsync(message, cancellationToken);
                }
                catch (Exception ex) when (reused && IsConnectionLost(ex) && !cancellationToken.IsCancellationRequested)
                {
                    // The server closed a connection we kept: that says nothing about this mail. Once more, freshly.
                    await DropAsync();
                    _connection = await transport.ConnectAsync(cancellationToken);
                    await _connection.Client.SendAsync(message, cancellationToken);
                }
            }
            catch (SmtpCommandException ex)
            {
                // 5xx: the server refuses for good (bad mailbox, policy); 4xx: try again later. A missing login (530) is
                // configuration, like a wrong one below: retried. Texts can hold addresses: kept out.
                await DropAsync();
                var permanent = (int)ex.StatusCode >= 500 && ex.StatusCode != SmtpStatusCode.AuthenticationRequired;
                throw new DeliveryFailedException($"SMTP {(int)ex.StatusCode} {ex.StatusCode} ({ex.ErrorCode})", permanent, ex);
            }
            catch (Exception ex) when (IsConnectionLost(ex) || ex is TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                await DropAsync();
                throw new DeliveryFailedException($"SMTP server unreachable: {ex.GetType().Name}", permanent: false, ex);
            }
            catch (Exception ex) when (ex is AuthenticationException or ServiceNotAuthenticatedException)
            {
                // A wrong or missing login is configuration, not the mail (so is an untrusted certificate, below): keep
                // retrying, so the mails go out once an operator fixes the settings instead of each needing a manual retry.
                await DropAsync();
                throw new DeliveryFailedException("SMTP authentication failed", permanent: false, ex);
            }
            catch (SslHandshakeException ex)
            {
                await DropAsync();
                throw new DeliveryFailedException("SMTP server certificate not trusted (see Smtp:TrustedCertificateSha256)", permanent: false, ex);
            }
        }

        public ValueTask DisposeAsync()
        {
            if (_connection is { } connection)
            {
                _connection = null;
                transport.Return(connection);
            }

            return ValueTask.CompletedTask;
        }

        /// <summary>After a failure the connection's state is unknown: the next mail takes another.</summary>
        private async ValueTask DropAsync()
        {
            if (_connection is { } connection)
            {
                _connection = null;
                await connection.CloseAsync();
            }
        }
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

using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Mail;
using SmtpServer.Storage;

namespace ServiceDelivery.Testing;

/// <summary>
/// A real SMTP server in-process (the SmtpServer package) on a loopback port, keeping every message it accepts.
/// It can be stopped and started again on the same port to play an outage.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly Store _store = new();
    private readonly Gate _gate = new();
    private readonly Login? _login;
    private readonly X509Certificate2? _certificate;
    private CancellationTokenSource? _running;
    private Task? _serving;

    private TestSmtpServer(int port, Login? login, X509Certificate2? certificate)
    {
        Port = port;
        _login = login;
        _certificate = certificate;
    }

    public int Port { get; }

    public IReadOnlyCollection<MimeMessage> Messages => _store.Messages;

    /// <summary>Every message accepted, kept or not.</summary>
    public int Received => _store.Received;

    /// <summary>False: count messages without keeping them (for volume tests).</summary>
    public bool KeepMessages
    {
        get => _store.Keep;
        set => _store.Keep = value;
    }

    /// <summary>
    /// Starts a server; with <paramref name="userName"/> it accepts mail only after AUTH with that login, with
    /// <paramref name="certificate"/> it offers STARTTLS and requires it before AUTH.
    /// </summary>
    public static TestSmtpServer Start(string? userName = null, string? password = null, X509Certificate2? certificate = null)
    {
        var server = new TestSmtpServer(FreePort(), userName is null ? null : new Login(userName, password ?? string.Empty), certificate);
        server.Resume();
        return server;
    }

    /// <summary>A self-signed certificate for localhost, made in memory (nothing is trusted or installed).</summary>
    public static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    /// <summary>How many AUTH attempts the server refused.</summary>
    public int RefusedLogins => _login?.Refused ?? 0;

    /// <summary>Starts listening (again).</summary>
    public void Resume()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("test-smtp")
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
                if (_login is not null)
                {
                    e.AuthenticationRequired().AllowUnsecureAuthentication(_certificate is null);
                }

                if (_certificate is not null)
                {
                    e.Certificate(_certificate);
                }
            })
            .Build();
        var services = new ServiceProvider();
        _gate.Closed = false;
        services.Add(_store);
        services.Add(_gate);
        services.Add(new NoDelayListenerFactory());
        if (_login is not null)
        {
            services.Add(_login);
        }
        _running = new CancellationTokenSource();
        _serving = new SmtpServer.SmtpServer(options, services).StartAsync(_running.Token);
        WaitUntil(listening: true);
    }

    /// <summary>Stops listening: senders get connection refused.</summary>
    public async Task StopAsync()
    {
        if (_running is null)
        {
            return;
        }

        // Like a real server going down: new transactions are refused with 421 (try again later) and those under way
        // may finish; only then are the connections cut. Cut mid-message, the library would answer 554, which a
        // sender rightly takes as final.
        _gate.Closed = true;
        await Task.Delay(TimeSpan.FromSeconds(1));
        await _running.CancelAsync();
        try
        {
            await _serving!;
        }
        catch (OperationCanceledException)
        {
        }

        _running.Dispose();
        _running = null;
        WaitUntil(listening: false);
    }

    /// <summary>Messages whose X-ServiceDelivery-Template header is <paramref name="template"/>.</summary>
    public IReadOnlyList<MimeMessage> WithTemplate(string template) =>
        [.. Messages.Where(m => m.Headers["X-ServiceDelivery-Template"] == template)];

    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Messages.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return [.. Messages];
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private void WaitUntil(bool listening)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                if (listening)
                {
                    return;
                }
            }
            catch (SocketException)
            {
                if (!listening)
                {
                    return;
                }
            }

            Thread.Sleep(20);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Login(string expectedUser, string expectedPassword) : UserAuthenticator
    {
        private int _refused;

        public int Refused => _refused;

        public override Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
        {
            var accepted = user == expectedUser && password == expectedPassword;
            if (!accepted)
            {
                Interlocked.Increment(ref _refused);
            }

            return Task.FromResult(accepted);
        }
    }

    /// <summary>Refuses new transactions with 421 while the server is going down.</summary>
    private sealed class Gate : MailboxFilter
    {
        public volatile bool Closed;

        public override Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
            Closed ? throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.ServiceUnavailable, "shutting down")) : Task.FromResult(true);
    }

    private sealed class Store : MessageStore
    {
        private int _received;

        public ConcurrentQueue<MimeMessage> Messages { get; } = new();

        public bool Keep { get; set; } = true;

        public int Received => _received;

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            MimeMessage? message = null;
            if (cancellationToken.IsCancellationRequested)
            {
                return new SmtpResponse(SmtpReplyCode.ServiceUnavailable, "shutting down");
            }

            if (Keep)
            {
                try
                {
                    using var stream = new MemoryStream(buffer.ToArray());
                    message = await MimeMessage.LoadAsync(stream, cancellationToken);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopped mid-transaction (whatever the interrupted read threw): a real server going down answers
                    // 421 (try again later). Letting the exception through made the library answer 554, which a
                    // sender rightly takes as final.
                    return new SmtpResponse(SmtpReplyCode.ServiceUnavailable, "shutting down");
                }
            }

            Interlocked.Increment(ref _received);
            if (message is not null)
            {
                Messages.Enqueue(message);
            }

            return SmtpResponse.Ok;
        }
    }
}

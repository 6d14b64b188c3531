using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace ServiceDelivery.Testing;

/// <summary>
/// Accepts SMTP connections with TCP_NODELAY. The SmtpServer package's own listener leaves Nagle on and writes its
/// replies in pieces, so every reply waits for the client's delayed ACK: 40 ms a mail, a limit of the test server
/// that no real relay has. STARTTLS is supported.
/// </summary>
public sealed class NoDelayListenerFactory : IEndpointListenerFactory
{
    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        ArgumentNullException.ThrowIfNull(endpointDefinition);
        var listener = new TcpListener(endpointDefinition.Endpoint);
        listener.Start();
        return new Listener(listener);
    }

    private sealed class Listener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            client.NoDelay = true;
            return new Pipe(client);
        }

        public void Dispose() => listener.Stop();
    }

    private sealed class Pipe(TcpClient client) : ISecurableDuplexPipe
    {
        private Stream _stream = client.GetStream();
        private PipeReader? _input;
        private PipeWriter? _output;

        public PipeReader Input => _input ??= PipeReader.Create(_stream);

        public PipeWriter Output => _output ??= PipeWriter.Create(_stream);

        public bool IsSecure => _stream is SslStream;

        public SslProtocols SslProtocol => (_stream as SslStream)?.SslProtocol ?? SslProtocols.None;

        public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
        {
            var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = protocols }, cancellationToken);
            _stream = ssl;
            _input = null;
            _output = null;
        }

        public void Dispose()
        {
            _stream.Dispose();
            client.Dispose();
        }
    }
}

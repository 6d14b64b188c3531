using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ServiceDelivery.Testing;

/// <summary>
/// A loopback TCP forwarder in front of a server (PostgreSQL), to play an outage for the processes behind it without
/// touching the server other tests share: <see cref="Cut"/> drops every open connection and refuses new ones (as a
/// stopped server or a broken network does), <see cref="Restore"/> listens again on the same port.
/// </summary>
public sealed class TcpOutageProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _accepting;

    private TcpOutageProxy(IPEndPoint target, int port)
    {
        _target = target;
        Port = port;
    }

    public int Port { get; }

    public static TcpOutageProxy Start(string targetHost, int targetPort)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var proxy = new TcpOutageProxy(new IPEndPoint(IPAddress.Parse(targetHost == "localhost" ? "127.0.0.1" : targetHost), targetPort), port);
        proxy.Restore();
        return proxy;
    }

    /// <summary>Listens (again) and forwards every connection to the target.</summary>
    public void Restore()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = new CancellationTokenSource();
        _ = AcceptAsync(_listener, _accepting.Token);
    }

    /// <summary>Drops every connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _accepting?.Cancel();
        _listener?.Stop();
        foreach (var client in _open.Keys)
        {
            try
            {
                client.Client?.LingerState = new LingerOption(true, 0); // a reset, as when the server goes away
            }
            catch (ObjectDisposedException)
            {
                // Closed meanwhile.
            }

            client.Dispose();
        }

        _open.Clear();
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        _accepting?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = PipeAsync(inbound, cancellationToken);
        }
    }

    private async Task PipeAsync(TcpClient inbound, CancellationToken cancellationToken)
    {
        var outbound = new TcpClient { NoDelay = true };
        inbound.NoDelay = true;
        _open[inbound] = 0;
        _open[outbound] = 0;
        try
        {
            await outbound.ConnectAsync(_target, cancellationToken);
            var a = inbound.GetStream();
            var b = outbound.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, cancellationToken), b.CopyToAsync(a, cancellationToken));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Cut, or one side closed: both go.
        }
        finally
        {
            _open.TryRemove(inbound, out _);
            _open.TryRemove(outbound, out _);
            inbound.Dispose();
            outbound.Dispose();
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace ServiceDelivery.ActionLoad;

/// <summary>The real host (Release build output) as a child process, with its resident memory sampled.</summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly CancellationTokenSource _sampling = new();
    private readonly Task _sampler;
    private long _peakSinceReset;

    private HostProcess(Process process)
    {
        _process = process;
        _sampler = SampleAsync(_sampling.Token);
    }

    public int Id => _process.Id;

    /// <summary>The largest resident set seen since the last <see cref="ResetPeak"/>, in MB.</summary>
    public double PeakRssMb => Interlocked.Read(ref _peakSinceReset) / 1024.0;

    public static async Task<HostProcess> StartAsync(string hostDll, string url, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        var start = new ProcessStartInfo("dotnet", [hostDll, "--urls", url])
        {
            WorkingDirectory = Path.GetDirectoryName(hostDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var log = new StreamWriter(logFile) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {process.ExitCode}; see {logFile}");
            }

            try
            {
                if ((await http.GetAsync(url + "/health/ready")).IsSuccessStatusCode)
                {
                    return new HostProcess(process);
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The host did not become ready; see {logFile}");
            }

            await Task.Delay(500);
        }
    }

    public void ResetPeak() => Interlocked.Exchange(ref _peakSinceReset, 0);

    public async ValueTask DisposeAsync()
    {
        await _sampling.CancelAsync();
        await _sampler;
        if (!_process.HasExited)
        {
            // SIGTERM: the host stops its loops and its PostgreSQL cluster cleanly.
            Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            if (!_process.WaitForExit(60_000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        _sampling.Dispose();
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture, out var kb))
                {
                    long seen;
                    while (kb > (seen = Interlocked.Read(ref _peakSinceReset)) && Interlocked.CompareExchange(ref _peakSinceReset, kb, seen) != seen)
                    {
                    }
                }

                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (IOException)
            {
                return;
            }
        }
    }
}

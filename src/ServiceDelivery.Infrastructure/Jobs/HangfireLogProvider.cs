using Hangfire.Logging;
using Microsoft.Extensions.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;
using MsLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// Hangfire's log provider is process-wide (static). The stock one throws once the host whose LoggerFactory it
/// holds is disposed, which kills the workers of any other host in the process (tests run many). This one
/// stays silent instead.
/// </summary>
internal sealed class HangfireLogProvider(ILoggerFactory factory) : ILogProvider
{
    public ILog GetLogger(string name) => new HostLog(factory, name);

    private sealed class HostLog(ILoggerFactory factory, string name) : ILog
    {
        private ILogger? _logger;

        public bool Log(HangfireLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                _logger ??= factory.CreateLogger(name);
                var level = Map(logLevel);
                if (messageFunc is null || !_logger.IsEnabled(level))
                {
                    return _logger.IsEnabled(level);
                }

                _logger.Log(level, 0, messageFunc(), exception, static (text, _) => text);
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    private static MsLevel Map(HangfireLevel level) => level switch
    {
        HangfireLevel.Trace => MsLevel.Trace,
        HangfireLevel.Debug => MsLevel.Debug,
        HangfireLevel.Info => MsLevel.Information,
        HangfireLevel.Warn => MsLevel.Warning,
        HangfireLevel.Error => MsLevel.Error,
        _ => MsLevel.Critical,
    };
}

using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Infrastructure.Notifications;
using ServiceDelivery.Infrastructure.Jobs;
using ServiceDelivery.Infrastructure.Wakeups;

namespace ServiceDelivery.Infrastructure;

public static class InfrastructureServices
{
    private static int _dashboardScriptAdded;

    /// <summary>
    /// The background work: wake-ups between hosts (LISTEN/NOTIFY), this host's sender and timer firer, and Hangfire
    /// on the service's own PostgreSQL database (schema <c>hangfire</c>) for the recurring sweeps and its dashboard.
    /// </summary>
    public static IServiceCollection AddServiceDeliveryJobs(this IServiceCollection services, string connectionString, JobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton<CommitHub>();
        services.AddSingleton<ICommitSignal>(sp => sp.GetRequiredService<CommitHub>());
        services.AddSingleton<ICommitFeed>(sp => sp.GetRequiredService<CommitHub>());
        services.AddSingleton(sp => new PostgresWakeups(connectionString, sp.GetRequiredService<CommitHub>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PostgresWakeups>>()));
        services.AddHostedService(sp => sp.GetRequiredService<PostgresWakeups>());
        if (options.RunServer)
        {
            services.AddHostedService<OutboxPump>();
            services.AddHostedService<TimerPump>();
        }

        // The storage is this host's own instance, registered before AddHangfire so every Hangfire service takes it
        // from DI: Hangfire's static JobStorage.Current would be shared by all hosts in one process (tests).
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = TimeSpan.FromSeconds(1),
        };
        // Hangfire's own small pool (a distinct application name is a distinct pool): its polling never takes the
        // connections commands need.
        var hangfireConnection = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "servicedelivery-hangfire", MaxPoolSize = 10 }.ConnectionString;
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(hangfireConnection, storageOptions), storageOptions);
        services.AddSingleton<JobStorage>(storage);
        services.AddSingleton<ServiceDelivery.Application.Operations.IJobServers, HangfireJobServers>();
        services.AddHangfire((provider, configuration) =>
        {
            configuration
                .UseLogProvider(new HangfireLogProvider(provider.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()))
                .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UseStorage(storage);
            // The dashboard's scripts are process-wide: added once, whatever the number of hosts in the process (tests).
            if (Interlocked.Exchange(ref _dashboardScriptAdded, 1) == 0)
            {
                configuration.UseDashboardJavaScript(typeof(JobsBootstrapper).Assembly, "ServiceDelivery.Infrastructure.Jobs.dashboard-refusal.js");
                configuration.UseDashboardJavaScript(typeof(JobsBootstrapper).Assembly, "ServiceDelivery.Infrastructure.Jobs.dashboard-locale.js");
            }
        });

        if (options.RunServer)
        {
            services.AddHangfireServer((provider, server) =>
            {
                server.WorkerCount = options.WorkerCount;
                server.SchedulePollingInterval = options.SchedulePollingInterval;
                // This host's own services build its jobs: Hangfire's global activator is whichever host configured
                // it last, which in a process with several hosts (tests) may be one already disposed.
                server.Activator = new Hangfire.AspNetCore.AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>());
            });
        }

        services.AddTransient<TimerJobs>();
        services.AddTransient<OutboxJobs>();
        services.AddTransient<RetentionJobs>();
        services.AddTransient<MigrationJobs>();
        services.AddSingleton<ServiceDelivery.Application.Definitions.IMigrationBatchKick, HangfireMigrationKick>();
        services.AddHostedService<JobsBootstrapper>();
        return services;
    }

    /// <summary>Mail (MailKit over SMTP, or a log when no server is configured), templates (Fluid) and webhooks.</summary>
    public static IServiceCollection AddServiceDeliveryNotifications(this IServiceCollection services, SmtpOptions smtp, string? templatesRoot = null)
    {
        ArgumentNullException.ThrowIfNull(smtp);
        services.AddSingleton(smtp);
        services.AddSingleton<IMailComposer>(new FluidMailComposer(templatesRoot ?? FluidMailComposer.DefaultRoot));
        if (smtp.IsConfigured)
        {
            _ = smtp.SocketOptions; // refuse a bad Smtp:UseTls at start, not at the first mail
            services.AddSingleton<IMailTransport, SmtpMailTransport>();
        }
        else
        {
            services.AddSingleton<IMailTransport, LogMailTransport>();
        }

        services.AddHttpClient<IWebhookTransport, HttpWebhookTransport>(client => client.Timeout = TimeSpan.FromSeconds(15));
        return services;
    }
}

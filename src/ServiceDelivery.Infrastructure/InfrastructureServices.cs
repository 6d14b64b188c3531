using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Infrastructure.Jobs;

namespace ServiceDelivery.Infrastructure;

public static class InfrastructureServices
{
    /// <summary>Hangfire on the service's own PostgreSQL database (schema <c>hangfire</c>), and the timer jobs.</summary>
    public static IServiceCollection AddServiceDeliveryJobs(this IServiceCollection services, string connectionString, JobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddHangfire(configuration => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                bootstrap => bootstrap.UseNpgsqlConnection(connectionString),
                new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
                    QueuePollInterval = TimeSpan.FromSeconds(1),
                }));

        if (options.RunServer)
        {
            services.AddHangfireServer(server =>
            {
                server.WorkerCount = options.WorkerCount;
                server.SchedulePollingInterval = options.SchedulePollingInterval;
            });
        }

        services.AddTransient<TimerJobs>();
        services.AddSingleton<ITimerScheduler, HangfireTimerScheduler>();
        services.AddHostedService<JobsBootstrapper>();
        return services;
    }
}

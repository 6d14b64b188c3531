using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServiceDelivery.Application.Attachments;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Application.Notifications;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application;

public static class ApplicationServices
{
    /// <summary>The database, the definition catalog and the command handlers.</summary>
    public static IServiceCollection AddServiceDeliveryApplication(this IServiceCollection services, string connectionString, DeliveryOptions? deliveryOptions = null)
    {
        // Pooled: every write takes a fresh context, and a pooled one costs no allocation of its services.
        services.AddPooledDbContextFactory<ServiceDeliveryDbContext>(options => ServiceDeliveryDbContextOptions.Configure(options, connectionString));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICommitSignal, NoCommitSignal>();
        services.TryAddSingleton(new WebhookOptions());
        services.TryAddSingleton(new NotificationOptions());
        services.AddSingleton<Commits>();
        services.AddSingleton<OutboxWriter>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddSingleton(deliveryOptions ?? new DeliveryOptions());
        services.AddSingleton<DefinitionCatalog>();
        services.AddSingleton<DeliveryWriter>();
        services.AddSingleton<TimerFirer>();
        services.AddSingleton<TimerBacklog>();
        services.AddScoped<DefinitionImporter>();
        services.AddScoped<DefinitionCommands>();
        services.AddScoped<DefinitionQueries>();
        services.AddScoped<MigrationBatches>();
        services.AddScoped<DeliveryCommands>();
        services.AddScoped<TicketCommands>();
        services.AddScoped<TicketQueries>();
        services.AddScoped<DeliveryQueries>();
        services.AddScoped<NotificationAdmin>();
        services.AddScoped<AttachmentCommands>();
        services.TryAddSingleton<Operations.IJobServers, Operations.NoJobServers>();
        services.AddScoped<Operations.OperationsOverview>();
        services.AddSingleton<Operations.OverviewCharts>();
        services.AddScoped<Operations.DeliveryInsight>();
        services.AddScoped<Operations.ProviderAnalytics>();
        services.AddScoped<Operations.SavedFilters>();
        services.AddScoped<Operations.SessionAdmin>();
        services.TryAddSingleton(new Maintenance.RetentionOptions());
        services.AddSingleton<Maintenance.RetentionSweep>();
        services.AddSingleton<Evidence.LogAnchoring>();
        services.AddSingleton<Evidence.LogVerifier>();
        services.AddSingleton<Evidence.LogIntegritySweep>();
        services.AddSingleton<Evidence.EvidenceBundles>();
        services.AddScoped<Evidence.LogIntegrityStatus>();
        return services;
    }
}

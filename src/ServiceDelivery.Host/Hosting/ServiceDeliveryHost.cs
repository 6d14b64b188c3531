using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Scalar.AspNetCore;
using ServiceDelivery.Application.Attachments;
using ServiceDelivery.Infrastructure.Notifications;
using ServiceDelivery.Infrastructure.Storage;
using ServiceDelivery.Application.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using ServiceDelivery.Application;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Host.Endpoints;
using ServiceDelivery.Infrastructure;
using ServiceDelivery.Infrastructure.Jobs;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Host.Hosting;

/// <summary>Composition of the host: configuration, database, application, jobs, authentication, endpoints.</summary>
public static class ServiceDeliveryHost
{
    public static async Task AddServiceDeliveryAsync(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;
        var dev = configuration.GetSection(DevOptions.SectionName).Get<DevOptions>() ?? new DevOptions();
        if (builder.Environment.IsProduction() && (dev.Enabled || dev.ClockControl))
        {
            throw new InvalidOperationException("Dev:Enabled and Dev:ClockControl must not be set in Production.");
        }

        // Refuse to start without a usable signing key, before provisioning anything.
        var auth = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        if (auth.SigningKey.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be set to at least 32 characters; in production pass it as the environment variable Auth__SigningKey.");
        }

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DevOptions>().BindConfiguration(DevOptions.SectionName);
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.SectionName);

        if (dev.ClockControl)
        {
            var clock = AdjustableClock.Flowing();
            services.AddSingleton(clock);
            services.AddSingleton<TimeProvider>(clock);
        }

        var connectionString = await LocalDatabase.ConnectionStringAsync(builder);
        var deliveryOptions = configuration.GetSection(DeliveryOptions.SectionName).Get<DeliveryOptions>() ?? new DeliveryOptions();
        var webhooks = new WebhookOptions();
        configuration.GetSection(WebhookOptions.SectionName).Bind(webhooks);
        services.AddSingleton(webhooks);
        services.AddSingleton(configuration.GetSection(NotificationOptions.SectionName).Get<NotificationOptions>() ?? new NotificationOptions());
        services.AddServiceDeliveryApplication(connectionString, deliveryOptions);
        services.AddServiceDeliveryNotifications(configuration.GetSection(SmtpOptions.SectionName).Get<SmtpOptions>() ?? new SmtpOptions());
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ServiceDeliveryDbContext>>().CreateDbContext());
        services.AddServiceDeliveryJobs(connectionString, configuration.GetSection(JobOptions.SectionName).Get<JobOptions>() ?? new JobOptions());

        var attachments = configuration.GetSection(AttachmentOptions.SectionName).Get<AttachmentOptions>() ?? new AttachmentOptions();
        if (string.IsNullOrWhiteSpace(attachments.Root))
        {
            attachments.Root = LocalDatabase.DataFolder(builder.Environment.ContentRootPath, "attachments");
        }

        services.AddSingleton(attachments);
        services.AddSingleton<IAttachmentStorage>(new FileAttachmentStorage(attachments.Root));

        services.AddSingleton<TokenIssuer>();
        services.AddScoped<DemoData>();
        services.AddScoped<DeliveryPresenter>();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDetailsDefaults.Apply);
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: [HealthEndpoints.ReadyTag]);
        services.AddOpenApi(ApiDocument.Configure);

        // Chinese text as text, not \uXXXX escapes (HTML-sensitive characters are still escaped).
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All));
        AddAuthentication(services, configuration);
    }

    public static WebApplication MapServiceDelivery(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        var dev = app.Configuration.GetSection(DevOptions.SectionName).Get<DevOptions>() ?? new DevOptions();
        app.MapHealthEndpoints();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/scalar", options => options.WithTitle("ServiceDelivery API").WithOpenApiRoutePattern("/openapi/{documentName}.json")).AllowAnonymous();
        app.MapDevEndpoints(dev.Enabled, dev.ClockControl);
        app.MapDeliveryEndpoints();
        app.MapTicketEndpoints();
        app.MapAttachmentEndpoints();
        app.MapTaskEndpoints();
        app.MapDefinitionEndpoints();
        app.MapOperationEndpoints();
        return app;
    }

    private static void AddAuthentication(IServiceCollection services, ConfigurationManager configuration)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            var auth = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth.Issuer,
                ValidAudience = auth.Audience,
                IssuerSigningKey = auth.SigningKey.Length > 0 ? TokenIssuer.SigningKey(auth) : null,
                NameClaimType = "name",
                RoleClaimType = "role",
                ClockSkew = TimeSpan.FromMinutes(1),
            };
        });
        services.AddAuthorization(Policies.Add);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
    }
}

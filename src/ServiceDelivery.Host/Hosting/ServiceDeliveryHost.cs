using Microsoft.AspNetCore.Authentication.JwtBearer;
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
        services.AddServiceDeliveryApplication(connectionString, deliveryOptions);
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ServiceDeliveryDbContext>>().CreateDbContext());
        services.AddServiceDeliveryJobs(connectionString, configuration.GetSection(JobOptions.SectionName).Get<JobOptions>() ?? new JobOptions());

        services.AddSingleton<TokenIssuer>();
        services.AddScoped<DemoData>();
        services.AddProblemDetails();
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: [HealthEndpoints.ReadyTag]);
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
        app.MapDevEndpoints(dev.Enabled, dev.ClockControl);
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
        services.AddAuthorization();
    }
}

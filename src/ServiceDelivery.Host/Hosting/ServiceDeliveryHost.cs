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
using ServiceDelivery.Application.Evidence;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Host.Endpoints;
using ServiceDelivery.Infrastructure;
using ServiceDelivery.Infrastructure.Jobs;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Host.Hosting;

/// <summary>Composition of the host: configuration, database, application, jobs, authentication, endpoints.</summary>
public static class ServiceDeliveryHost
{
    /// <summary>Where the service listens when nothing is configured: the README's run command.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static async Task AddServiceDeliveryAsync(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;
        var dev = configuration.GetSection(DevOptions.SectionName).Get<DevOptions>() ?? new DevOptions();
        if (!builder.Environment.IsDevelopment() && (dev.Enabled || dev.ClockControl))
        {
            // Minted tokens and a movable clock are for a developer's machine only (Staging is a production too).
            throw new InvalidOperationException($"Dev:Enabled and Dev:ClockControl are only allowed in the Development environment, not in {builder.Environment.EnvironmentName}.");
        }

        // The default address applies only when nothing else says where to listen: ASPNETCORE_URLS, --urls,
        // ASPNETCORE_HTTP_PORTS or Kestrel endpoints (a "Urls" in appsettings.json would silently win over them).
        if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"])
            && string.IsNullOrEmpty(configuration["https_ports"]) && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // No "Server: Kestrel": nothing to gain from telling a scanner what runs here.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

        // Refuse to start without a usable signing key, before provisioning anything.
        var auth = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        if (auth.SigningKey.Length < 32 && (auth.SigningKey.Length > 0 || string.IsNullOrWhiteSpace(auth.Authority)))
        {
            throw new InvalidOperationException("Auth:SigningKey must be set to at least 32 characters (or set Auth:Authority to your identity provider); in production pass them as the environment variables Auth__SigningKey / Auth__Authority.");
        }

        // The anchors' key likewise: a history signed with a key nobody configured would prove nothing.
        var evidence = configuration.GetSection(EvidenceOptions.SectionName).Get<EvidenceOptions>() ?? new EvidenceOptions();
        services.AddSingleton(evidence);
        services.AddSingleton(new AnchorKeys(evidence));

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DevOptions>().BindConfiguration(DevOptions.SectionName);
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.SectionName);

        if (dev.ClockControl)
        {
            var clock = AdjustableClock.Flowing();
            services.AddSingleton(clock);
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<SharedDevClock>();
            services.AddHostedService(sp => sp.GetRequiredService<SharedDevClock>());
        }

        var connectionString = await LocalDatabase.ConnectionStringAsync(builder);
        var deliveryOptions = configuration.GetSection(DeliveryOptions.SectionName).Get<DeliveryOptions>() ?? new DeliveryOptions();
        var webhooks = new WebhookOptions();
        configuration.GetSection(WebhookOptions.SectionName).Bind(webhooks);
        services.AddSingleton(webhooks);
        services.AddSingleton(configuration.GetSection(NotificationOptions.SectionName).Get<NotificationOptions>() ?? new NotificationOptions());
        services.AddSingleton(configuration.GetSection(ServiceDelivery.Application.Maintenance.RetentionOptions.SectionName).Get<ServiceDelivery.Application.Maintenance.RetentionOptions>() ?? new());
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
        AddAuthentication(services, configuration, builder.Environment.IsDevelopment());
        builder.AddServiceDeliveryWeb(devSignIn: dev.Enabled, configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions());
    }

    public static WebApplication MapServiceDelivery(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseConfiguredProxies();
        var auth = app.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        app.UseSecurityHeaders(auth.PagesUseIdentityProvider ? auth.Authority : null);

        // A request the framework cannot bind (limit=abc, a body over Kestrel's limit) is the caller's mistake: its own
        // status (400, 413), not 500.
        // The database out of reach (stopped, network cut, pool exhausted) is a 503 the caller may retry, not a 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode
                : DatabaseOutage.Is(ex) ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages(WebPages.StatusPageAsync);
        app.Use(StorableText.RefuseUnstorableQueryAsync);
        app.UseServiceDeliveryPageCulture();
        app.UseAuthentication();
        app.UseHubGuard();
        app.Use(NoStoreWhenPersonal);
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseJobsDashboardRequestCheck();
        var dev = app.Configuration.GetSection(DevOptions.SectionName).Get<DevOptions>() ?? new DevOptions();
        app.MapHealthEndpoints();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/scalar", options => options.WithTitle("ServiceDelivery API").WithOpenApiRoutePattern("/openapi/{documentName}.json")).AllowAnonymous();
        app.MapDevEndpoints(dev.Enabled, dev.ClockControl);
        app.MapDeliveryEndpoints();
        app.MapEvidenceEndpoints();
        app.MapTicketEndpoints();
        app.MapAttachmentEndpoints();
        app.MapTaskEndpoints();
        app.MapDefinitionEndpoints();
        app.MapOperationEndpoints();

        app.MapServiceDeliveryWeb();
        app.MapConsoleEndpoints();
        app.MapDeliveryCenterEndpoints();
        return app;
    }

    /// <summary>
    /// What a signed-in caller sees is theirs: no shared cache or browser history keeps it (an endpoint that sets its
    /// own Cache-Control, e.g. a download, keeps it).
    /// </summary>
    private static Task NoStoreWhenPersonal(HttpContext context, Func<Task> next)
    {
        if (context.User.Identity?.IsAuthenticated == true || context.Request.Headers.Authorization.Count > 0)
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                if (headers.CacheControl.Count == 0)
                {
                    headers.CacheControl = "no-store";
                }

                return Task.CompletedTask;
            }, context);
        }

        return next();
    }

    private static void AddAuthentication(IServiceCollection services, ConfigurationManager configuration, bool development)
    {
        services.AddAuthentication(WebPages.Scheme).AddJwtBearer(jwt =>
        {
            var auth = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
            jwt.MapInboundClaims = false;
            if (!string.IsNullOrWhiteSpace(auth.Authority))
            {
                // The handler adds the provider's issuer and its published keys to the ones below (and refreshes them).
                jwt.Authority = auth.Authority;
                jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
            }

            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth.Issuer,
                ValidAudience = auth.Audience,
                IssuerSigningKey = auth.SigningKey.Length > 0 ? TokenIssuer.SigningKey(auth) : null,
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
                NameClaimType = "name",
                RoleClaimType = "role",
                ClockSkew = TimeSpan.FromMinutes(1),
            };
            jwt.Events = new JwtBearerEvents
            {
                // Every caller is somebody: a validly signed token without a subject is refused, not a 500 later.
                OnTokenValidated = context =>
                {
                    if (string.IsNullOrWhiteSpace(context.Principal?.FindFirst("sub")?.Value))
                    {
                        context.Fail("The token has no 'sub' claim.");
                    }
                    else if (!development && DevelopmentMark.IsOn(context.Principal))
                    {
                        // Minted by a development host (perhaps one given this host's key by mistake): never valid here.
                        context.Fail("A development token is not accepted outside the Development environment.");
                    }

                    return Task.CompletedTask;
                },
            };
        });
        services.AddAuthorization(Policies.Add);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
    }
}

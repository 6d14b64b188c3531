using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Host.Hosting;

/// <summary>Before serving: apply migrations, import the shipped definitions, seed demo data when asked.</summary>
public static class DatabasePreparation
{
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<ServiceDeliveryDbContext>();

        // Creating the history table first spares a fresh database EF's logged (and alarming) failed probe for it.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync();

        // A migration may rewrite a big table (adding a stored column to deliveries rebuilds it with its indexes):
        // no statement timeout for it, or a large database would fail every start half way through.
        db.Database.SetCommandTimeout(TimeSpan.Zero);
        await db.Database.MigrateAsync();
        db.Database.SetCommandTimeout(null);

        var folder = app.Configuration["Workflows:Path"];
        await services.GetRequiredService<DefinitionImporter>().ImportAsync(
            string.IsNullOrWhiteSpace(folder) ? Path.Combine(AppContext.BaseDirectory, "workflows") : folder,
            CancellationToken.None);

        if (services.GetRequiredService<IOptions<DemoOptions>>().Value.Seed)
        {
            await services.GetRequiredService<DemoData>().SeedAsync(CancellationToken.None);
        }

        if (services.GetRequiredService<IOptions<DevOptions>>().Value.Enabled)
        {
            var issuer = services.GetRequiredService<TokenIssuer>();
            app.Lifetime.ApplicationStarted.Register(() => PrintBanner(app, issuer));
        }
    }

    /// <summary>What a developer needs after `dotnet run`: where things are and a token per role.</summary>
    private static void PrintBanner(WebApplication app, TokenIssuer issuer)
    {
        var url = app.Urls.FirstOrDefault() ?? "http://127.0.0.1:5080";
        var banner = new System.Text.StringBuilder()
            .AppendLine()
            .AppendLine("ServiceDelivery is running (Development).")
            .AppendLine(CultureInfo.InvariantCulture, $"  Deliveries   {url}/deliveries  (the delivery center: buyers and providers; sign in at {url}/signin)")
            .AppendLine(CultureInfo.InvariantCulture, $"  Studio       {url}/studio  (process designers)")
            .AppendLine(CultureInfo.InvariantCulture, $"  Console      {url}/console  (platform; background jobs at {url}/console/jobs)")
            .AppendLine(CultureInfo.InvariantCulture, $"  API          {url}/api/v1")
            .AppendLine(CultureInfo.InvariantCulture, $"  API docs     {url}/scalar (OpenAPI: {url}/openapi/v1.json)")
            .AppendLine(CultureInfo.InvariantCulture, $"  Health       {url}/health/ready")
            .AppendLine(CultureInfo.InvariantCulture, $"  Dev tokens   POST {url}/api/v1/dev/tokens")
            .AppendLine("Tokens (24 h), use as 'Authorization: Bearer <token>':");
        foreach (var user in DemoData.Users)
        {
            banner.AppendLine(CultureInfo.InvariantCulture, $"  {string.Join(",", user.Roles),-12} {user.Name} ({user.Id})")
                .AppendLine(CultureInfo.InvariantCulture, $"    {issuer.Issue(user.Id, user.Name, user.Email, user.Roles, user.ProviderId)}");
        }

        Console.Out.Write(banner.ToString());
    }
}

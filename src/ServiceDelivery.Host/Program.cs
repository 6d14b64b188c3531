using ServiceDelivery.Host.Hosting;

var builder = WebApplication.CreateBuilder(RunEnvironment.Options(args));
await builder.AddServiceDeliveryAsync();

var app = builder.Build();
app.MapServiceDelivery();
await app.PrepareDatabaseAsync();
await app.RunAsync();

/// <summary>The host's entry point; public so tests can start it with WebApplicationFactory.</summary>
public partial class Program;

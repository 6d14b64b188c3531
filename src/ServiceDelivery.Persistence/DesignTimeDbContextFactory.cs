using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ServiceDelivery.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without a host or a running database.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ServiceDeliveryDbContext>
{
    public ServiceDeliveryDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ServiceDeliveryDbContext>()
            .UseServiceDeliveryDatabase("Host=127.0.0.1;Database=servicedelivery_design")
            .Options);
}

namespace ServiceDelivery.Host.Endpoints;

public static class OpenApiConventions
{
    /// <summary>Documents the problem-details responses an endpoint can give.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var status in statuses)
        {
            builder.ProducesProblem(status);
        }

        return builder;
    }
}

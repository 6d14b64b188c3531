using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ServiceDelivery.Host.Hosting;

/// <summary>The OpenAPI document at /openapi/v1.json: title, the error model, bearer authentication.</summary>
public static class ApiDocument
{
    public static void Configure(OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "ServiceDelivery API",
                Version = "v1",
                Description = """
                    Delivery orchestration for manual service products of a cloud marketplace.
                    Every request except health and this document needs `Authorization: Bearer <JWT>` (claims sub, name, email, role, provider_id).
                    Errors are RFC 7807 problem details with a stable `code` (validation_failed, forbidden_action, not_found, invalid_transition,
                    refund_not_allowed, invoice_blocks_refund, delivery_paused, version_conflict, order_conflict, idempotency_key_reused,
                    attachment_too_large, attachment_type_not_allowed, unauthorized, unsupported_media_type, payload_too_large),
                    a `detail` in zh-CN or en following Accept-Language, and a `traceId`. Concurrency: ETag / If-Match with the delivery's version.
                    """,
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT from the marketplace's identity provider (development: POST /api/v1/dev/tokens).",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
            return Task.CompletedTask;
        });
    }
}

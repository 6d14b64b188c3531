using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
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

        options.AddOperationTransformer((operation, context, _) =>
        {
            var name = context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
            if (name is not null && RequestExamples.TryGetValue(name, out var example)
                && operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var media))
            {
                media.Example = JsonNode.Parse(example);
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>Request bodies as a client would send them, shown in the document and in Scalar.</summary>
    private static readonly Dictionary<string, string> RequestExamples = new(StringComparer.Ordinal)
    {
        ["StartDelivery"] = """
            { "orderId": "ORD-20261126-0001",
              "product": { "id": "prod-db-migration", "name": "数据库迁移服务", "spec": "标准版" },
              "buyer": { "id": "u-1001", "name": "张三", "email": "buyer@example.com", "locale": "zh-CN", "timeZone": "Asia/Shanghai" },
              "provider": { "id": "p-2001", "name": "云迁科技", "email": "ops@provider.example" },
              "paidAmount": 1200.00, "couponAmount": 100.00, "currency": "CNY",
              "paidAt": "2026-11-26T10:00:00Z", "definitionKey": "manual-service-delivery" }
            """,
        ["PerformAction"] = """{ "description": "把自建 MySQL 5.7 迁移到云数据库，保留 binlog", "attachmentIds": [] }""",
        ["SetInvoiceStatus"] = """{ "status": "requested" }""",
        ["OpenTicket"] = """{ "category": "acceptance_dispute", "subject": "交付物与需求不符", "description": "增量同步没有完成", "attachmentIds": [] }""",
        ["PostTicketMessage"] = """{ "body": "已联系服务商核实", "attachmentIds": [] }""",
        ["ResolveTicket"] = """{ "outcome": "refund", "amount": 600.00, "note": "双方协商退还 50%" }""",
        ["MoveDelivery"] = """{ "toStage": "implementing", "reason": "服务商申请重新实施", "internalNote": "已电话确认" }""",
        ["CloseDelivery"] = """{ "reason": "买家联系平台取消订单" }""",
        ["MigrateDelivery"] = """{ "toVersion": 2, "reason": "新版本增加验收表单字段" }""",
    };
}

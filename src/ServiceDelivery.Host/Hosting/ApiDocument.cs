using System.Text.Json.Nodes;
using ServiceDelivery.Application.Outbox;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace ServiceDelivery.Host.Hosting;

/// <summary>
/// The OpenAPI document at /openapi/v1.json: title, licence, tags, the error model, bearer authentication, files as
/// binary, request examples, and the webhooks (<see cref="ApiWebhooks"/>). Linted by Redocly and Spectral in the tests.
/// </summary>
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
                License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" },
            };

            // The server is the address the document was fetched from; without the trailing slash, paths start with one.
            foreach (var server in document.Servers ?? [])
            {
                if (server.Url is { Length: > 1 } url && url.EndsWith('/'))
                {
                    server.Url = url.TrimEnd('/');
                }
            }

            document.Tags ??= new HashSet<OpenApiTag>();
            foreach (var (name, description) in TagDescriptions)
            {
                if (document.Tags.FirstOrDefault(t => t.Name == name) is { } tag)
                {
                    tag.Description = description;
                }
                else if (name == ApiWebhooks.Tag)
                {
                    // The other tags come from the endpoints mapped (Development only where enabled); this one from the webhooks.
                    document.Tags.Add(new OpenApiTag { Name = name, Description = description });
                }
            }

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
            DescribeProblemDetails(document);

            // The upload's form schema replaces the bare file (see UploadAttachment below): nothing refers to it any more.
            document.Components.Schemas?.Remove("IFormFile");
            ApiWebhooks.Add(document);
            return Task.CompletedTask;
        });

        // Request bodies: the generator marks every constructor parameter required; these the server does not need.
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (OptionalFields.TryGetValue(context.JsonTypeInfo.Type.Name, out var optional) && schema.Required is { } required
                && context.JsonTypeInfo.Type.Namespace?.StartsWith("ServiceDelivery.Host", StringComparison.Ordinal) == true)
            {
                foreach (var field in optional)
                {
                    required.Remove(field);
                }
            }

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

            if (name is not null && FileResponses.TryGetValue(name, out var file))
            {
                operation.Responses ??= new OpenApiResponses();
                operation.Responses["200"] = new OpenApiResponse
                {
                    Description = file.Description,
                    Content = new Dictionary<string, OpenApiMediaType> { [file.MediaType] = new() { Schema = file.Schema() } },
                    Headers = file.Disposition
                        ? new Dictionary<string, IOpenApiHeader>
                        {
                            ["Content-Disposition"] = new OpenApiHeader
                            {
                                Description = "attachment; filename=\"…\"; filename*=UTF-8''… — the file's name.",
                                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                            },
                        }
                        : null,
                };
            }

            // Error responses name the codes they carry (the framework's default is the bare reason phrase).
            foreach (var (status, response) in operation.Responses ?? [])
            {
                if (ErrorCodes.TryGetValue(status, out var codes) && response is OpenApiResponse error && error.Content?.ContainsKey("application/problem+json") == true)
                {
                    error.Description = codes;
                }
            }

            if (name == "UploadAttachment" && operation.RequestBody?.Content is { } upload && upload.TryGetValue("multipart/form-data", out var form))
            {
                // The form, not the file alone: one part named "file".
                form.Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "file" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The file; its name is kept as metadata." },
                    },
                };
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
        ["CloseDelivery"] = """{ "reason": "买家联系平台取消订单", "internalNote": "买家来电，工单 #1024" }""",
        ["MigrateDelivery"] = """{ "toVersion": 2, "reason": "新版本增加验收表单字段" }""",
    };

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Deliveries"] = "A paid order's delivery: start it (marketplace), list and read it, its process log, timers and tasks, perform the process's actions, report the invoice status.",
        ["Attachments"] = "Files for requirements, deliverables and tickets: upload once (multipart), reference by id in an action or a ticket, download.",
        ["Tickets"] = "Disputes and questions about a delivery between buyer, provider and platform; the platform resolves them (no change, refund, force complete, close).",
        ["Tasks"] = "The caller's open tasks across deliveries (the inbox).",
        ["Definitions"] = "Process definitions: read, validate, save a draft, publish a version (designers); the JSON Schema of definitions.",
        ["Operations"] = "The platform's tools: interventions on a delivery (move, close, complete, refund, migrate, preview), outgoing notifications and their retries, overview and provider figures, page sessions.",
        ["Evidence"] = "The provable history: verify a delivery's process log, download its evidence bundle, read and sign the anchors of the log (docs/evidence.md).",
        ["Development"] = "Development helpers, mapped only when Dev:Enabled (tokens) and Dev:ClockControl (clock); never in production.",
        [ApiWebhooks.Tag] = "The integration events the service POSTs to Webhooks:Endpoints, signed with HMAC-SHA256. Receivers deduplicate by the event's id.",
    };

    /// <summary>The problem codes behind each error status (Problems.Status), for the responses' descriptions.</summary>
    private static readonly Dictionary<string, string> ErrorCodes = new(StringComparer.Ordinal)
    {
        ["400"] = "Problem details, code validation_failed: `errors` names each field and what is wrong with it.",
        ["401"] = "Problem details, code unauthorized: no bearer token, or one that is expired or not signed by a trusted issuer.",
        ["403"] = "Problem details, code forbidden_action: the caller's role or relation to the delivery does not allow this.",
        ["404"] = "Problem details, code not_found: nothing with that id, or nothing the caller may see.",
        ["409"] = "Problem details, code invalid_transition (with `stage` and `allowedActions`), version_conflict (stale If-Match), order_conflict, idempotency_key_reused, "
            + "refund_not_allowed, invoice_blocks_refund (with `guard`), delivery_paused or dispute_already_open.",
        ["413"] = "Problem details, code payload_too_large (JSON body) or attachment_too_large (Attachments:MaxBytes).",
        ["415"] = "Problem details, code unsupported_media_type (not application/json, or not multipart for uploads) or attachment_type_not_allowed.",
    };

    /// <summary>Fields of request bodies the server does without (defaults or optional notes).</summary>
    private static readonly Dictionary<string, string[]> OptionalFields = new(StringComparer.Ordinal)
    {
        ["StartDeliveryBody"] = ["couponAmount", "definitionKey"],
        ["MoveBody"] = ["internalNote"],
        ["CloseBody"] = ["internalNote"],
        ["RefundBody"] = ["amount", "internalNote"],
        ["PreviewBody"] = ["toStage", "amount", "reason", "internalNote"],
        ["MigrateBody"] = ["reason"],
        ["ResolveBody"] = ["amount"],
        ["TicketBody"] = ["attachmentIds"],
        ["MessageBody"] = ["attachmentIds"],
        ["TokenRequest"] = ["email", "providerId"],
        ["RevokeBody"] = [],
    };

    private sealed record FileResponse(string MediaType, string Description, Func<OpenApiSchema> Schema, bool Disposition);

    private static OpenApiSchema Binary() => new() { Type = JsonSchemaType.String, Format = "binary" };

    /// <summary>Endpoints that answer a file: its media type and a schema a generated client reads as a stream.</summary>
    private static readonly Dictionary<string, FileResponse> FileResponses = new(StringComparer.Ordinal)
    {
        ["DownloadAttachment"] = new("*/*", "The file's bytes with the Content-Type it was stored with (application/pdf, image/png, …); Range requests are served.", Binary, true),
        ["GetEvidenceBundle"] = new("application/zip", "The evidence bundle (zip).", Binary, true),
        ["GetDefinitionSchema"] = new("application/schema+json", "The JSON Schema (draft 2020-12) every process definition document must satisfy.",
            () => new OpenApiSchema { Type = JsonSchemaType.Object, Description = "A JSON Schema document." }, false),
    };

    /// <summary>The problem details every error is: RFC 7807 plus the stable code, the trace id and, where they apply, the fields and the stage.</summary>
    private static void DescribeProblemDetails(OpenApiDocument document)
    {
        if (document.Components?.Schemas is not { } schemas || !schemas.TryGetValue("ProblemDetails", out var found) || found is not OpenApiSchema problem)
        {
            return;
        }

        problem.Description = "RFC 7807 problem details. `code` is stable and the one to branch on; `title` and `detail` follow Accept-Language (zh-CN or en).";
        problem.Properties ??= new Dictionary<string, IOpenApiSchema>();
        problem.Properties["code"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "validation_failed (400), unauthorized (401), forbidden_action (403), not_found (404), invalid_transition, refund_not_allowed, invoice_blocks_refund, delivery_paused, "
                + "version_conflict, order_conflict, idempotency_key_reused, dispute_already_open (409), attachment_too_large, payload_too_large (413), "
                + "attachment_type_not_allowed, unsupported_media_type (415), attachment_unavailable, server_busy (503, with Retry-After).",
        };
        problem.Properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace id, for support." };
        problem.Properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "validation_failed: the messages per field (JSON names of the request).",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        problem.Properties["stage"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "invalid_transition: the delivery's current stage." };
        problem.Properties["allowedActions"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchema { Type = JsonSchemaType.String },
            Description = "invalid_transition: the actions the caller may perform in that stage.",
        };
        problem.Properties["guard"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The process rule that refused the action, when one did." };
    }
}

/// <summary>
/// OpenAPI 3.1 <c>webhooks</c>: every integration event (<see cref="IntegrationEvents"/>) the service POSTs to
/// Webhooks:Endpoints, with its body (the <see cref="IntegrationEvent"/> envelope, the <see cref="DeliverySnapshot"/>,
/// the event's data) and the signature headers of HttpWebhookTransport.
/// </summary>
public static class ApiWebhooks
{
    public const string Tag = "Webhooks";

    private static OpenApiSchema Str(string? description = null) => new() { Type = JsonSchemaType.String, Description = description };

    private static OpenApiSchema NullableStr(string? description = null) => new() { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = description };

    private static OpenApiSchema Num(string? description = null, bool nullable = false) =>
        new() { Type = nullable ? JsonSchemaType.Number | JsonSchemaType.Null : JsonSchemaType.Number, Description = description };

    private static OpenApiSchema Int(string format, string? description = null) => new() { Type = JsonSchemaType.Integer, Format = format, Description = description };

    private static OpenApiSchema Format(string format, string? description = null) => new() { Type = JsonSchemaType.String, Format = format, Description = description };

    private static OpenApiSchema Object(string description, Dictionary<string, IOpenApiSchema> properties, params string[] required) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Properties = properties,
        Required = new HashSet<string>(required.Length == 0 ? properties.Keys : required),
    };

    /// <summary>What a stage change's data carries; the refund, completion and refunded events add to it.</summary>
    private static Dictionary<string, IOpenApiSchema> StageChange(params (string Name, IOpenApiSchema Schema)[] more)
    {
        var properties = new Dictionary<string, IOpenApiSchema>
        {
            ["fromStage"] = Str("The stage left."),
            ["toStage"] = Str("The stage entered."),
            ["action"] = Str("The action (or intervention) that moved it, as in the process log."),
            ["actorRole"] = Str("buyer, provider, platform, system or marketplace."),
        };
        foreach (var (name, schema) in more)
        {
            properties[name] = schema;
        }

        return properties;
    }

    /// <summary>The events: type, operation id, summary, description, data schema (name and schema).</summary>
    private static IEnumerable<(string Type, string OperationId, string Summary, string Description, string DataName, OpenApiSchema Data)> Events() =>
    [
        (IntegrationEvents.DeliveryStarted, "OnDeliveryStarted", "A delivery was started for a paid order",
            "Sent once per delivery, when POST /api/v1/deliveries created it.",
            "DeliveryStartedData", Object("The stage the delivery starts in.", new() { ["stage"] = Str("The first stage.") })),
        (IntegrationEvents.StageChanged, "OnDeliveryStageChanged", "A delivery entered another stage",
            "Sent for every stage change, by anyone (an action, a timer, an intervention). The more specific events follow it.",
            "StageChangedData", Object("The stage change.", StageChange())),
        (IntegrationEvents.Completed, "OnDeliveryCompleted", "A delivery was completed",
            "After its delivery.stage_changed: accepted by the buyer, accepted automatically when the acceptance period ran out, or completed by the platform.",
            "CompletedData", Object("The stage change and how the delivery was completed.", StageChange(("completion", new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [JsonValue.Create("accepted"), JsonValue.Create("auto_accepted"), JsonValue.Create("force_completed")],
                Description = "accepted (by the buyer), auto_accepted (the acceptance clock ran out), force_completed (the platform).",
            })))),
        (IntegrationEvents.RefundRequested, "OnDeliveryRefundRequested", "A refund of a delivery was requested",
            "After its delivery.stage_changed, when the buyer asked for a refund; the platform reviews it.",
            "RefundRequestedData", Object("The stage change and the buyer's reason code.", StageChange(("reasonCode", NullableStr("The reason the buyer chose, when the form has one."))),
                "fromStage", "toStage", "action", "actorRole")),
        (IntegrationEvents.Refunded, "OnDeliveryRefunded", "A delivery was refunded",
            "After its delivery.stage_changed: the refund was approved or the platform refunded; billing pays amount back.",
            "RefundedData", Object("The stage change and the refunded amount.", StageChange(
                ("amount", Num("The amount refunded, in the order's currency.", nullable: true)),
                ("currency", Str("ISO 4217 code of the order's currency."))))),
        (IntegrationEvents.TicketOpened, "OnTicketOpened", "A ticket was opened on a delivery",
            "The buyer or the provider opened a ticket; an acceptance_dispute freezes the auto-acceptance clock.",
            "TicketOpenedData", Object("The ticket.", new()
            {
                ["ticketId"] = Format("uuid", "The ticket (GET /api/v1/tickets/{ticketId})."),
                ["category"] = Str("refund_after_confirmation, acceptance_dispute or other."),
                ["subject"] = Str("The ticket's subject."),
                ["openedByRole"] = Str("buyer or provider."),
            })),
        (IntegrationEvents.TicketResolved, "OnTicketResolved", "A ticket was resolved by the platform",
            "The platform's decision on a ticket; refund, force_complete and close_delivery also change the delivery (their stage events follow).",
            "TicketResolvedData", Object("The ticket and its outcome.", new()
            {
                ["ticketId"] = Format("uuid", "The ticket."),
                ["category"] = Str("The ticket's category."),
                ["outcome"] = Str("no_change, refund, force_complete or close_delivery."),
                ["amount"] = Num("The refund decided (outcome refund), else null.", nullable: true),
            }, "ticketId", "category", "outcome")),
        (IntegrationEvents.LogAnchored, "OnLogAnchored", "A signed anchor of the process log was made",
            "About no one delivery: `delivery` is null and `data` is the anchor (the Merkle root over each delivery's chain head written in [from, to), signed). Keep it: with it, history rewritten later is detected (docs/evidence.md).",
            "LogAnchoredData", Object("The anchor, as GET /api/v1/log/anchors lists it.", new()
            {
                ["seq"] = Int("int64", "The anchor's number, from 1."),
                ["from"] = Format("date-time", "Start of the anchored period (inclusive)."),
                ["to"] = Format("date-time", "End of the anchored period (exclusive)."),
                ["size"] = Int("int64", "How many deliveries' chain heads the tree has."),
                ["root"] = Str("The Merkle root, lower-case hex."),
                ["previousRoot"] = Str("The previous anchor's root, lower-case hex (zeros for the first)."),
                ["keyId"] = Str("The signing key's id."),
                ["signature"] = Str("The signature over the anchor statement, base64."),
                ["publicKey"] = Str("The public key (PEM) that verifies the signature."),
            })),
    ];

    /// <summary>The delivery as it was right after the change (<see cref="DeliverySnapshot"/>).</summary>
    private static OpenApiSchema Snapshot() => Object("The delivery as it was right after the change the event reports.", new()
    {
        ["id"] = Format("uuid", "The delivery (GET /api/v1/deliveries/{id})."),
        ["orderId"] = Str("The marketplace's order id."),
        ["productId"] = Str(),
        ["productName"] = Str(),
        ["buyerId"] = Str(),
        ["providerId"] = Str(),
        ["stage"] = Str("The stage after the change."),
        ["status"] = Str("active, completed, refunded or closed."),
        ["paidAmount"] = Num("The amount paid."),
        ["refundAmount"] = Num("The amount refunded, once refunded.", nullable: true),
        ["currency"] = Str("ISO 4217 code."),
        ["invoiceStatus"] = Str("none, requested, issued or returned."),
        ["definitionKey"] = Str("The process definition the delivery runs on."),
        ["definitionVersion"] = Int("int32", "Its published version."),
        ["version"] = Int("int32", "The delivery's version (its ETag) after the change."),
    });

    public static void Add(OpenApiDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        var schemas = document.Components.Schemas;
        schemas["DeliverySnapshot"] = Snapshot();
        schemas["IntegrationEvent"] = Object("The body of every webhook; `type` says which `data` it carries. New fields may be added: ignore those you do not know.", new()
        {
            ["id"] = Format("uuid", "The event's id, the same in every retry and for every endpoint: deduplicate by it."),
            ["type"] = Str("The event type (also in X-ServiceDelivery-Event)."),
            ["occurredAt"] = Format("date-time", "When the change happened."),
            ["delivery"] = new OpenApiSchema
            {
                OneOf = [new OpenApiSchemaReference("DeliverySnapshot", document), new OpenApiSchema { Type = JsonSchemaType.Null }],
                Description = "The delivery after the change; null for an event about no one delivery (log.anchored).",
            },
            ["data"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "What changed; its fields depend on `type`." },
        });

        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        foreach (var (type, operationId, summary, description, dataName, data) in Events())
        {
            schemas[dataName] = data;
            var bodyName = dataName[..^"Data".Length] + "Event";
            var global = type == IntegrationEvents.LogAnchored;
            schemas[bodyName] = new OpenApiSchema
            {
                Description = $"The body of a {type} webhook.",
                AllOf =
                [
                    new OpenApiSchemaReference("IntegrationEvent", document),
                    new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = type },
                            ["delivery"] = global ? new OpenApiSchema { Type = JsonSchemaType.Null } : new OpenApiSchemaReference("DeliverySnapshot", document),
                            ["data"] = new OpenApiSchemaReference(dataName, document),
                        },
                    },
                ],
            };

            var operation = new OpenApiOperation
            {
                OperationId = operationId,
                Summary = summary,
                Description = description + " Verify X-ServiceDelivery-Signature before trusting the body; answer 2xx once it is stored. "
                    + "Connection errors, 408, 429 and 5xx are retried (30 s, 60 s, 120 s … at most 1 h, up to Notifications:MaxAttempts); other 4xx fail at once. "
                    + "A delivery's events reach an endpoint one at a time, in order.",
                Tags = new HashSet<OpenApiTagReference> { new(Tag, document) },
                Security = [],
                Parameters =
                [
                    Header("X-ServiceDelivery-Event", "The event type.", new OpenApiSchema { Type = JsonSchemaType.String, Const = type }),
                    Header("X-ServiceDelivery-Event-Id", "The event's id (the body's id).", Format("uuid")),
                    Header("X-ServiceDelivery-Timestamp", "When this attempt was signed, Unix seconds.", new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9]+$" }),
                    Header("X-ServiceDelivery-Signature", "sha256=<hex HMAC-SHA256(secret, \"{timestamp}.{body}\")> with the endpoint's Secret over the raw body.",
                        new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^sha256=[0-9a-f]{64}$" }),
                ],
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = new OpenApiSchemaReference(bodyName, document) },
                    },
                },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse { Description = "Received (any 2xx): the event counts as delivered." },
                    ["400"] = new OpenApiResponse { Description = "Refused (any 4xx but 408 and 429): the event fails at once and holds the delivery's later events back until an operator retries it." },
                    ["503"] = new OpenApiResponse { Description = "Unavailable (any 5xx, 408, 429): sent again later." },
                },
            };
            document.Webhooks[type] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
        }
    }

    private static OpenApiParameter Header(string name, string description, IOpenApiSchema schema) =>
        new() { Name = name, In = ParameterLocation.Header, Required = true, Description = description, Schema = schema };
}

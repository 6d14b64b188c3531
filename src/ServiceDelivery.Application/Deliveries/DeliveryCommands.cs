using System.Globalization;
using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>Starting deliveries, performing actions, invoice updates and platform interventions.</summary>
public sealed class DeliveryCommands(ServiceDeliveryDbContext db, DefinitionCatalog catalog, DeliveryWriter writer, DeliveryOptions options, TimeProvider clock)
{
    /// <summary>
    /// Starts the delivery of a paid order. Idempotent per order id: the same order again returns the existing
    /// delivery; the same order id with different content is an order conflict.
    /// </summary>
    public async Task<Result<StartDeliveryResult>> StartAsync(Caller caller, StartDeliveryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (!caller.Is(Caller.Marketplace))
        {
            return Failure.Forbidden;
        }

        request = request with { OrderId = request.OrderId?.Trim()! };
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            return Failure.Invalid([.. errors]);
        }

        var key = string.IsNullOrWhiteSpace(request.DefinitionKey) ? options.DefaultDefinition : request.DefinitionKey;
        var fingerprint = Fingerprint(request, key);
        if (await ExistingAsync(request.OrderId, fingerprint, cancellationToken) is { } existing)
        {
            return existing;
        }

        var definition = await catalog.LatestAsync(db, key, cancellationToken);
        if (definition is null)
        {
            return Failure.Invalid(new InputError("definitionKey", "unknown_definition"));
        }

        var started = await writer.StartAsync(
            definition,
            now => NewRecord(request, fingerprint, definition, now),
            change => change.Decide(new StartDelivery(caller.As(ActorRole.Marketplace), request.PaidAmount, InvoiceStatus.None)),
            cancellationToken);
        if (started.Failure is { Code: Failure.OrderConflictCode })
        {
            // The same order was started concurrently and won: answer as if we had come second.
            return await ExistingAsync(request.OrderId, fingerprint, cancellationToken) ?? Failure.OrderConflict;
        }

        return started.IsSuccess ? new StartDeliveryResult(started.Value!, Created: true) : started.Failure!;
    }

    /// <summary>A party performs an action with its form; If-Match and Idempotency-Key are honoured.</summary>
    public Task<Result<DeliveryView>> PerformAsync(Caller caller, PerformActionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var idempotency = request.IdempotencyKey is { Length: > 0 } key
            ? Idempotency.For(
                "action",
                caller,
                request.DeliveryId,
                key,
                Idempotency.Hash([request.Action, .. request.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "=" + f.Value), .. request.AttachmentIds.Select(a => a.ToString())]))
            : null;

        return writer.ChangeAsync(caller, request.DeliveryId, new WriteConditions(request.ExpectedVersion, idempotency), async change =>
        {
            change.Delivery.Definition.TryGetAction(request.Action, out var action);
            var role = DeliveryAccess.ActingRole(caller, change.Record, action);
            if (role is null)
            {
                // Visible (marketplace) but no party to it.
                return Failure.Forbidden;
            }

            if (await CheckAttachmentsAsync(change.Db, caller, request.AttachmentIds, cancellationToken) is { } attachments)
            {
                return attachments;
            }

            var form = new FormData(request.Fields, [.. request.AttachmentIds]);
            return change.Decide(new PerformAction(caller.As(role.Value), request.Action, form));
        }, cancellationToken);
    }

    /// <summary>The marketplace reports the order's invoice status (none, requested, issued, returned).</summary>
    public Task<Result<DeliveryView>> SetInvoiceStatusAsync(Caller caller, Guid deliveryId, string status, int? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Marketplace))
        {
            return Task.FromResult<Result<DeliveryView>>(Failure.Forbidden);
        }

        if (!InvoiceStatuses.TryParse(status, out _))
        {
            return Task.FromResult<Result<DeliveryView>>(Failure.Invalid(new InputError("status", "not_allowed_value")));
        }

        return writer.ChangeAsync(caller, deliveryId, new WriteConditions(expectedVersion), change =>
        {
            var record = change.Record;
            if (record.InvoiceStatus != status)
            {
                // Not a step of the process, but it decides refunds: logged so reviewers see when it changed.
                record.LastLogSeq++;
                change.Db.ProcessLog.Add(new LogRecord
                {
                    DeliveryId = record.Id,
                    Seq = record.LastLogSeq,
                    At = change.Now,
                    ActorId = caller.Id,
                    ActorName = caller.Name,
                    ActorRole = Caller.Marketplace,
                    Action = LogActions.SetInvoiceStatus,
                    FromStage = record.Stage,
                    ToStage = record.Stage,
                    Data = new Dictionary<string, string> { ["from"] = record.InvoiceStatus, ["to"] = status },
                });
                record.InvoiceStatus = status;
                change.Touch();
            }

            return ValueTask.FromResult<Failure?>(null);
        }, cancellationToken);
    }

    /// <summary>A platform intervention (move, close, complete, refund) with a logged reason.</summary>
    public Task<Result<DeliveryView>> InterveneAsync(Caller caller, InterveneRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (!caller.Is(Caller.Platform))
        {
            return Task.FromResult<Result<DeliveryView>>(Failure.Forbidden);
        }

        if (!TryParseIntervention(request.Kind, out var kind))
        {
            return Task.FromResult<Result<DeliveryView>>(Failure.Invalid(new InputError("kind", "not_allowed_value")));
        }

        return writer.ChangeAsync(caller, request.DeliveryId, new WriteConditions(request.ExpectedVersion), change =>
        {
            if (Money.Check("amount", request.Amount, change.Record.Currency) is { } finer)
            {
                return ValueTask.FromResult<Failure?>(Failure.Invalid(finer));
            }

            return ValueTask.FromResult(change.Decide(InterventionCommand(caller, kind, request, request.Reason)));
        }, cancellationToken);
    }

    /// <summary>
    /// What an intervention would do to the delivery as it is now — the engine's own decision, nothing written:
    /// tasks closed and opened, timers changed, notifications. Applying it with If-Match on the answered version
    /// does exactly this or fails with version_conflict.
    /// </summary>
    public async Task<Result<InterventionPreview>> PreviewInterventionAsync(Caller caller, InterveneRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (!TryParseIntervention(request.Kind, out var kind))
        {
            return Failure.Invalid(new InputError("kind", "not_allowed_value"));
        }

        var loaded = await DeliveryAggregate.LoadManyAsync(db, catalog, [request.DeliveryId], cancellationToken);
        db.ChangeTracker.Clear(); // read only: nothing loaded here is ever saved
        if (loaded.Count == 0)
        {
            return Failure.NotFound;
        }

        var delivery = loaded[0];
        if (Money.Check("amount", request.Amount, delivery.Record.Currency) is { } finer)
        {
            return Failure.Invalid(finer);
        }

        // The reason is asked for after the preview; a placeholder lets the engine check everything else.
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? "preview" : request.Reason;
        var outcome = WorkflowEngine.Decide(delivery.Definition, delivery.ToState(), InterventionCommand(caller, kind, request, reason), clock.GetUtcNow());
        if (outcome is Rejection rejection)
        {
            return Failure.From(rejection);
        }

        var decision = (Decision)outcome;
        return new InterventionPreview(
            delivery.Record.Version,
            decision.FromStage,
            decision.ToStage,
            delivery.Definition.TryGetStage(decision.ToStage, out var target) ? target.Status.ToKey() : string.Empty,
            [.. decision.Tasks.Where(t => !t.Opened).Select(t => new PreviewTask(ActorRoles.ToKey(t.Task.Role), t.Task.Stage))],
            [.. decision.Tasks.Where(t => t.Opened).Select(t => new PreviewTask(ActorRoles.ToKey(t.Task.Role), t.Task.Stage))],
            [.. decision.Timers.Select(t => new PreviewTimer(t.Kind.ToString().ToLowerInvariant(), t.Timer.Key, t.Timer.Stage, t.Timer.DueAt, t.Timer.Remaining))],
            [.. decision.Notifications.Select(n => new PreviewNotification(n.Template, [.. n.To.Select(ActorRoles.ToKey)]))],
            decision.RefundAmount);
    }

    private static Intervene InterventionCommand(Caller caller, InterventionKind kind, InterveneRequest request, string? reason) =>
        new(caller.As(ActorRole.Platform), kind, request.ToStage, InterventionForm(reason, request.InternalNote), request.Amount);

    /// <summary>Moves a running delivery to another published version of its definition (platform), logged with a reason.</summary>
    /// <remarks><paramref name="mapTo"/>: the stage a delivery enters when the target version no longer has its stage.</remarks>
    /// <remarks><paramref name="countIn"/>: a migration batch whose "migrated" count moves in the same transaction.</remarks>
    public Task<Result<DeliveryView>> MigrateAsync(Caller caller, Guid deliveryId, int toVersion, string? reason, int? expectedVersion, CancellationToken cancellationToken, string? mapTo = null, Guid? countIn = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Task.FromResult<Result<DeliveryView>>(Failure.Forbidden);
        }

        return writer.ChangeAsync(caller, deliveryId, new WriteConditions(expectedVersion), async change =>
        {
            var target = await catalog.GetAsync(change.Db, change.Record.DefinitionKey, toVersion, cancellationToken);
            if (target is null)
            {
                return Failure.Invalid(new InputError("toVersion", "unknown_definition"));
            }

            var outcome = Migration.Decide(change.Delivery.Definition, target, change.Delivery.ToState(), caller.As(ActorRole.Platform), reason, change.Now, mapTo);
            if (outcome is Rejection rejection)
            {
                return Failure.From(rejection);
            }

            change.Delivery.SwitchDefinition(target);
            change.Delivery.Apply(change.Db, (Decision)outcome, change.Now);
            if (countIn is { } batch)
            {
                await change.Db.MigrationBatches.Where(b => b.Id == batch).ExecuteUpdateAsync(set => set.SetProperty(b => b.Migrated, b => b.Migrated + 1), cancellationToken);
            }

            return null;
        }, cancellationToken);
    }

    /// <summary>Checks that every attachment exists and was uploaded by the caller.</summary>
    internal static async Task<Failure?> CheckAttachmentsAsync(ServiceDeliveryDbContext db, Caller caller, IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return null;
        }

        var distinct = ids.Distinct().ToList();
        var owned = await db.Attachments.CountAsync(a => distinct.Contains(a.Id) && a.UploadedBy == caller.Id, cancellationToken);
        return owned == distinct.Count ? null : Failure.Invalid(new InputError("attachmentIds", "unknown_attachment"));
    }

    internal static FormData InterventionForm(string? reason, string? internalNote)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reason is not null)
        {
            fields["reason"] = reason;
        }

        if (!string.IsNullOrEmpty(internalNote))
        {
            fields["internalNote"] = internalNote;
        }

        return new FormData(fields, []);
    }

    internal static bool TryParseIntervention(string? key, out InterventionKind kind)
    {
        foreach (var candidate in Enum.GetValues<InterventionKind>())
        {
            if (candidate.ToKey() == key)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    private async Task<Result<StartDeliveryResult>?> ExistingAsync(string orderId, string fingerprint, CancellationToken cancellationToken)
    {
        var existing = await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(d => d.OrderId == orderId, cancellationToken);
        if (existing is null)
        {
            return null;
        }

        if (existing.OrderFingerprint != fingerprint)
        {
            return Failure.OrderConflict;
        }

        return new StartDeliveryResult(await DeliveryQueries.ViewAsync(db, catalog, existing, cancellationToken), Created: false);
    }

    private DeliveryRecord NewRecord(StartDeliveryRequest r, string fingerprint, ProcessDefinition definition, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        OrderId = r.OrderId,
        OrderFingerprint = fingerprint,
        ProductId = r.Product.Id,
        ProductName = r.Product.Name,
        ProductSpec = r.Product.Spec,
        BuyerId = r.Buyer.Id,
        BuyerName = r.Buyer.Name,
        BuyerEmail = r.Buyer.Email,
        BuyerLocale = Locale(r.Buyer.Locale),
        BuyerTimeZone = r.Buyer.TimeZone ?? options.DefaultTimeZone,
        ProviderId = r.Provider.Id,
        ProviderName = r.Provider.Name,
        ProviderEmail = r.Provider.Email,
        ProviderLocale = Locale(r.Provider.Locale),
        ProviderTimeZone = r.Provider.TimeZone ?? options.DefaultTimeZone,
        PaidAmount = r.PaidAmount,
        CouponAmount = r.CouponAmount,
        Currency = r.Currency,
        PaidAt = r.PaidAt.ToUniversalTime(),
        InvoiceStatus = InvoiceStatus.None.ToKey(),
        DefinitionKey = definition.Key,
        DefinitionVersion = definition.Version,
        Stage = definition.InitialStage.Key,
        StageEnteredAt = now,
        Status = definition.InitialStage.Status.ToKey(),
        Version = 0,
        CreatedAt = now,
        UpdatedAt = now,
    };

    private static string Locale(string? locale) => locale?.StartsWith("en", StringComparison.OrdinalIgnoreCase) == true ? "en" : LocalizedText.DefaultCulture;

    private static string Fingerprint(StartDeliveryRequest r, string definitionKey) => Idempotency.Hash(
        r.OrderId, r.Product.Id, r.Product.Name, r.Product.Spec,
        r.Buyer.Id, r.Buyer.Name, r.Buyer.Email, r.Buyer.Locale, r.Buyer.TimeZone,
        r.Provider.Id, r.Provider.Name, r.Provider.Email, r.Provider.Locale, r.Provider.TimeZone,
        Canonical(r.PaidAmount), Canonical(r.CouponAmount), r.Currency, r.PaidAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), definitionKey);

    // 1200, 1200.0 and 1200.00 are the same amount.
    private static string Canonical(decimal amount) => amount.ToString("0.00########", CultureInfo.InvariantCulture);

    private static List<InputError> Validate(StartDeliveryRequest r)
    {
        var errors = new List<InputError>();
        void Text(string field, string? value, int max, bool required = true)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                if (required)
                {
                    errors.Add(new InputError(field, "required"));
                }
            }
            else if (value.Length > max)
            {
                errors.Add(new InputError(field, "too_long", max));
            }
        }

        void Party(string prefix, OrderParty? party)
        {
            if (party is null)
            {
                errors.Add(new InputError(prefix, "required"));
                return;
            }

            Text(prefix + ".id", party.Id, 100);
            Text(prefix + ".name", party.Name, 200);
            Text(prefix + ".email", party.Email, 320);
            // A bare address only: "Name <a@b>" would pass MailAddress but is not what the order system sends.
            if (!string.IsNullOrWhiteSpace(party.Email) && (!MailAddress.TryCreate(party.Email, out var address) || address.Address != party.Email || address.DisplayName.Length > 0))
            {
                errors.Add(new InputError(prefix + ".email", "invalid"));
            }

            if (party.Locale is not null && Locale(party.Locale) == LocalizedText.DefaultCulture && !party.Locale.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new InputError(prefix + ".locale", "not_allowed_value"));
            }

            if (party.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(party.TimeZone, out _))
            {
                errors.Add(new InputError(prefix + ".timeZone", "not_allowed_value"));
            }
        }

        Text("orderId", r.OrderId, 100);
        if (r.Product is null)
        {
            errors.Add(new InputError("product", "required"));
        }
        else
        {
            Text("product.id", r.Product.Id, 100);
            Text("product.name", r.Product.Name, 200);
            Text("product.spec", r.Product.Spec, 200, required: false);
        }

        Party("buyer", r.Buyer);
        Party("provider", r.Provider);
        if (r.PaidAmount < 0 || r.PaidAmount > 1_000_000_000m)
        {
            errors.Add(new InputError("paidAmount", "out_of_range"));
        }
        else if (Money.Check("paidAmount", r.PaidAmount, r.Currency) is { } finer)
        {
            errors.Add(finer);
        }

        if (r.CouponAmount < 0 || r.CouponAmount > 1_000_000_000m)
        {
            errors.Add(new InputError("couponAmount", "out_of_range"));
        }
        else if (Money.Check("couponAmount", r.CouponAmount, r.Currency) is { } finer)
        {
            errors.Add(finer);
        }

        if (r.Currency is null || r.Currency.Length != 3 || !r.Currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add(new InputError("currency", "invalid"));
        }

        if (r.PaidAt == default)
        {
            errors.Add(new InputError("paidAt", "required"));
        }

        return errors;
    }
}

/// <summary>Delivery settings (section <c>Deliveries</c>).</summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Deliveries";

    /// <summary>The definition a start without <c>definitionKey</c> uses.</summary>
    public string DefaultDefinition { get; set; } = "manual-service-delivery";

    /// <summary>Time zone for parties that do not state one.</summary>
    public string DefaultTimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>
    /// People's commands one host runs against the database at once; more wait their turn, first come first
    /// served. A few per core keep the server busy; dozens at once only make each one slower and the slowest much
    /// slower (the server's cores switch between them, and they queue on its locks instead of here).
    /// </summary>
    public int MaxConcurrentCommands { get; set; } = 4 * Environment.ProcessorCount;

    /// <summary>How long a command waits for its turn before it is refused (503 server_busy, nothing done): no request hangs on a queue.</summary>
    public TimeSpan CommandTurnTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

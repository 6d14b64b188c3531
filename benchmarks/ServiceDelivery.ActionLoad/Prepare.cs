using Npgsql;

namespace ServiceDelivery.ActionLoad;

/// <summary>A delivery the workload acts on, and the provider organisation (index) that may act.</summary>
internal sealed record Prepared(Guid Id, int Provider);

/// <summary>Deliveries written straight into the database, in the state the real process would have left them.</summary>
internal static class Prepare
{
    public const int Buyers = 200;
    public const int Providers = 20;

    public static string BuyerId(int n) => $"u-{n:D5}";

    public static string ProviderId(int n) => $"p-{n:D3}";

    /// <summary>Deliveries in 实施中 (implementing) with the provider's open task.</summary>
    public static async Task<List<Prepared>> ImplementingAsync(NpgsqlDataSource db, int count)
    {
        await using var insert = db.CreateCommand($"""
            WITH made AS (
                INSERT INTO deliveries (id, order_id, order_fingerprint, product_id, product_name, product_spec,
                    buyer_id, buyer_name, buyer_email, buyer_locale, buyer_time_zone,
                    provider_id, provider_name, provider_email, provider_locale, provider_time_zone,
                    paid_amount, coupon_amount, currency, paid_at, invoice_status, definition_key, definition_version,
                    stage, stage_entered_at, status, version, last_log_seq, created_at, updated_at)
                SELECT gen_random_uuid(), 'PREP-IMPL-' || n, md5(n::text), 'prod-db-migration', '数据库迁移服务', '标准版',
                    'u-' || lpad((n % {Buyers})::text, 5, '0'), '买家', 'buyer@example.com', 'zh-CN', 'Asia/Shanghai',
                    'p-' || lpad((n % {Providers})::text, 3, '0'), '服务商', 'ops@provider.example', 'zh-CN', 'Asia/Shanghai',
                    1200.00, 100.00, 'CNY', now(), 'none', 'manual-service-delivery',
                    (SELECT max(version) FROM definition_versions WHERE key = 'manual-service-delivery'),
                    'implementing', now(), 'active', 3, 3, now(), now()
                FROM generate_series(1, @count) AS n
                RETURNING id, provider_id, stage_entered_at)
            INSERT INTO tasks (id, delivery_id, role, assignee_id, stage, opened_at)
            SELECT gen_random_uuid(), id, 'provider', provider_id, 'implementing', stage_entered_at FROM made
            RETURNING delivery_id, assignee_id
            """);
        insert.Parameters.AddWithValue("count", count);
        var prepared = new List<Prepared>(count);
        await using var reader = await insert.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            prepared.Add(new Prepared(reader.GetGuid(0), int.Parse(reader.GetString(1)[2..], System.Globalization.CultureInfo.InvariantCulture)));
        }

        return prepared;
    }

    /// <summary>
    /// Deliveries in 待验收 (accepting) with the buyer's task and the stage's three running timers: auto-acceptance
    /// after 15 days and the reminders 3 days and 1 day before it.
    /// </summary>
    public static async Task AcceptingAsync(NpgsqlDataSource db, int count, DateTimeOffset enteredAt)
    {
        await using var insert = db.CreateCommand($"""
            WITH made AS (
                INSERT INTO deliveries (id, order_id, order_fingerprint, product_id, product_name, product_spec,
                    buyer_id, buyer_name, buyer_email, buyer_locale, buyer_time_zone,
                    provider_id, provider_name, provider_email, provider_locale, provider_time_zone,
                    paid_amount, coupon_amount, currency, paid_at, invoice_status, definition_key, definition_version,
                    stage, stage_entered_at, status, version, last_log_seq, created_at, updated_at)
                SELECT gen_random_uuid(), 'PREP-ACC-' || n, md5(n::text), 'prod-db-migration', '数据库迁移服务', '标准版',
                    'u-' || lpad((n % {Buyers})::text, 5, '0'), '买家', 'buyer@example.com', 'zh-CN', 'Asia/Shanghai',
                    'p-' || lpad((n % {Providers})::text, 3, '0'), '服务商', 'ops@provider.example', 'zh-CN', 'Asia/Shanghai',
                    1200.00, 100.00, 'CNY', @at, 'none', 'manual-service-delivery',
                    (SELECT max(version) FROM definition_versions WHERE key = 'manual-service-delivery'),
                    'accepting', @at, 'active', 4, 4, @at, @at
                FROM generate_series(1, @count) AS n
                RETURNING id, buyer_id),
            tasks_made AS (
                INSERT INTO tasks (id, delivery_id, role, assignee_id, stage, opened_at)
                SELECT gen_random_uuid(), id, 'buyer', buyer_id, 'accepting', @at FROM made)
            INSERT INTO timers (id, delivery_id, key, stage, state, due_at, frozen_by, created_at)
            SELECT gen_random_uuid(), made.id, t.key, 'accepting', 'running', @at + t.after, 0, @at
            FROM made CROSS JOIN (VALUES ('auto_accept', interval '15 days'), ('acceptance_reminder_3d', interval '12 days'),
                                         ('acceptance_reminder_1d', interval '14 days')) AS t(key, after)
            """);
        insert.Parameters.AddWithValue("count", count);
        insert.Parameters.AddWithValue("at", enteredAt);
        insert.CommandTimeout = 600;
        await insert.ExecuteNonQueryAsync();
        await using var analyze = db.CreateCommand("ANALYZE");
        await analyze.ExecuteNonQueryAsync();
    }
}

using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Testing;

/// <summary>
/// Deliveries 15 days into acceptance, written straight into the tables the way the engine leaves them (the buyer's
/// task and the running auto-acceptance clock, all due at one moment): a burst of due timers in one statement.
/// </summary>
public static class AcceptingDeliveries
{
    public static Task InsertAsync(ServiceDeliveryDbContext db, int count, DateTimeOffset due)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.ExecuteSqlAsync($"""
            WITH made AS (
                INSERT INTO deliveries (id, order_id, order_fingerprint, product_id, product_name, product_spec,
                    buyer_id, buyer_name, buyer_email, buyer_locale, buyer_time_zone,
                    provider_id, provider_name, provider_email, provider_locale, provider_time_zone,
                    paid_amount, coupon_amount, currency, paid_at, invoice_status, definition_key, definition_version,
                    stage, stage_entered_at, status, version, last_log_seq, created_at, updated_at)
                SELECT gen_random_uuid(), 'TIMER-' || n, md5(n::text), 'prod-db-migration', '数据库迁移服务', '标准版',
                    'u-1001', '张三', 'buyer@example.com', 'zh-CN', 'Asia/Shanghai',
                    'p-2001', '云迁科技', 'ops@provider.example', 'zh-CN', 'Asia/Shanghai',
                    1200.00, 0, 'CNY', now(), 'none', 'manual-service-delivery', 1,
                    'accepting', now() - interval '15 days', 'active', 4, 4, now() - interval '15 days', now()
                FROM generate_series(1, {count}) AS n
                RETURNING id, buyer_id),
            tasks_made AS (
                INSERT INTO tasks (id, delivery_id, role, assignee_id, stage, opened_at)
                SELECT gen_random_uuid(), id, 'buyer', buyer_id, 'accepting', now() - interval '15 days' FROM made)
            INSERT INTO timers (id, delivery_id, key, stage, state, due_at, frozen_by, created_at)
            SELECT gen_random_uuid(), id, 'auto_accept', 'accepting', 'running', {due}, 0, now() - interval '15 days' FROM made
            """);
    }
}

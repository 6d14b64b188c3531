-- :deliveries deliveries (default run: 1,000,000) over 1,000 buyers and 100 provider organisations, in every stage,
-- each with the open task its stage gives and :log_per_delivery process-log entries (10 → 10,000,000 rows); one
-- entry in 1,000 references an attachment. What the delivery centre's lists, counts, inboxes and downloads read.
-- Run against a migrated database: psql -v deliveries=1000000 -v log_per_delivery=10 -f seed.sql
\set ON_ERROR_STOP on
SET synchronous_commit = off;

INSERT INTO deliveries (id, order_id, order_fingerprint, product_id, product_name, product_spec,
    buyer_id, buyer_name, buyer_email, buyer_locale, buyer_time_zone,
    provider_id, provider_name, provider_email, provider_locale, provider_time_zone,
    paid_amount, coupon_amount, currency, paid_at, invoice_status, definition_key, definition_version,
    stage, stage_entered_at, return_stage, status, refund_amount, version, last_log_seq, created_at, updated_at)
SELECT
    gen_random_uuid(), 'LOAD-' || lpad(n::text, 7, '0'), md5(n::text), 'prod-' || (n % 50), (ARRAY['数据库迁移服务','安全加固服务','上门培训服务','网站部署服务','容器化改造'])[1 + n % 5], '标准版',
    'u-' || lpad((n % 1000)::text, 5, '0'), '买家' || (n % 1000), 'buyer' || (n % 1000) || '@example.com', 'zh-CN', 'Asia/Shanghai',
    'p-' || lpad((n % 100)::text, 3, '0'), '服务商' || (n % 100), 'ops' || (n % 100) || '@provider.example', 'zh-CN', 'Asia/Shanghai',
    1200.00, 100.00, 'CNY', now() - make_interval(secs => n * 6), 'none', 'manual-service-delivery', 1,
    s.stage, now() - make_interval(secs => n * 6), CASE WHEN s.stage = 'refunding' THEN 'requirement_pending' END, s.status, NULL, 2, :log_per_delivery,
    now() - make_interval(secs => n * 6), now() - make_interval(secs => n * 6)
FROM generate_series(1, :deliveries) AS n
CROSS JOIN LATERAL (SELECT (ARRAY['requirement_pending','requirement_confirming','requirement_rejected','implementing','accepting','refunding','completed','refunded','closed'])[1 + n % 9] AS stage) AS picked
CROSS JOIN LATERAL (SELECT picked.stage, CASE picked.stage WHEN 'refunding' THEN 'paused' WHEN 'completed' THEN 'completed' WHEN 'refunded' THEN 'refunded' WHEN 'closed' THEN 'closed' ELSE 'active' END AS status) AS s;

INSERT INTO tasks (id, delivery_id, role, assignee_id, stage, opened_at)
SELECT gen_random_uuid(), d.id, a.role, CASE a.role WHEN 'buyer' THEN d.buyer_id WHEN 'provider' THEN d.provider_id END, d.stage, d.stage_entered_at
FROM deliveries d
JOIN (VALUES ('requirement_pending', 'buyer'), ('requirement_confirming', 'provider'), ('requirement_rejected', 'buyer'),
             ('implementing', 'provider'), ('accepting', 'buyer'), ('refunding', 'platform')) AS a(stage, role) ON a.stage = d.stage
WHERE d.order_id LIKE 'LOAD-%';

-- The log: progress notes; every 1,000th row carries an attachment (a made-up id: the download scenario uses its own).
INSERT INTO process_log (delivery_id, seq, at, actor_id, actor_name, actor_role, action, from_stage, to_stage, data, internal_data, attachment_ids)
SELECT d.id, s, d.created_at + make_interval(mins => s), d.provider_id, '服务商员工', 'provider', 'post_progress', d.stage, d.stage,
       '{"note":"进展说明"}', '{}', CASE WHEN (s + hashtext(d.order_id)) % 1000 = 0 THEN ARRAY[gen_random_uuid()] ELSE '{}'::uuid[] END
FROM deliveries d CROSS JOIN generate_series(1, :log_per_delivery) AS s
WHERE d.order_id LIKE 'LOAD-%';

-- A bulk load replaces the counters the insert trigger appended (one row per delivery) by one row per stage, as
-- an operator would after an import: TRUNCATE, unlike a DELETE, leaves no million dead rows for reads to skip.
BEGIN;
LOCK TABLE deliveries IN SHARE MODE;
TRUNCATE stage_counts;
INSERT INTO stage_counts (definition_key, definition_version, stage, n) SELECT definition_key, definition_version, stage, count(*) FROM deliveries GROUP BY 1, 2, 3;
COMMIT;
-- The same for the open platform tasks' counter (one row per refund review inserted above).
BEGIN;
LOCK TABLE tasks IN SHARE MODE;
TRUNCATE open_platform_task_counts;
INSERT INTO open_platform_task_counts (n) SELECT count(*) FROM tasks WHERE closed_at IS NULL AND role = 'platform' AND assignee_id IS NULL;
COMMIT;

VACUUM ANALYZE;

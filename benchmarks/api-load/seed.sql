-- 100,000 deliveries over 1,000 buyers and 100 provider organisations, in every stage, each with the open task
-- its stage gives; what the delivery centre's lists, counts and inboxes read. Run against a migrated database.
INSERT INTO deliveries (id, order_id, order_fingerprint, product_id, product_name, product_spec,
    buyer_id, buyer_name, buyer_email, buyer_locale, buyer_time_zone,
    provider_id, provider_name, provider_email, provider_locale, provider_time_zone,
    paid_amount, coupon_amount, currency, paid_at, invoice_status, definition_key, definition_version,
    stage, stage_entered_at, return_stage, status, refund_amount, version, last_log_seq, created_at, updated_at)
SELECT
    gen_random_uuid(), 'LOAD-' || lpad(n::text, 7, '0'), md5(n::text), 'prod-' || (n % 50), (ARRAY['数据库迁移服务','安全加固服务','上门培训服务','网站部署服务','容器化改造'])[1 + n % 5], '标准版',
    'u-' || lpad((n % 1000)::text, 5, '0'), '买家' || (n % 1000), 'buyer' || (n % 1000) || '@example.com', 'zh-CN', 'Asia/Shanghai',
    'p-' || lpad((n % 100)::text, 3, '0'), '服务商' || (n % 100), 'ops' || (n % 100) || '@provider.example', 'zh-CN', 'Asia/Shanghai',
    1200.00, 100.00, 'CNY', now() - make_interval(mins => n), 'none', 'manual-service-delivery', 1,
    s.stage, now() - make_interval(mins => n), CASE WHEN s.stage = 'refunding' THEN 'requirement_pending' END, s.status, NULL, 2, 2,
    now() - make_interval(mins => n), now() - make_interval(mins => n)
FROM generate_series(1, 100000) AS n
CROSS JOIN LATERAL (SELECT (ARRAY['requirement_pending','requirement_confirming','requirement_rejected','implementing','accepting','refunding','completed','refunded','closed'])[1 + n % 9] AS stage) AS picked
CROSS JOIN LATERAL (SELECT picked.stage, CASE picked.stage WHEN 'refunding' THEN 'paused' WHEN 'completed' THEN 'completed' WHEN 'refunded' THEN 'refunded' WHEN 'closed' THEN 'closed' ELSE 'active' END AS status) AS s;

INSERT INTO tasks (id, delivery_id, role, assignee_id, stage, opened_at)
SELECT gen_random_uuid(), d.id, a.role, CASE a.role WHEN 'buyer' THEN d.buyer_id WHEN 'provider' THEN d.provider_id END, d.stage, d.stage_entered_at
FROM deliveries d
JOIN (VALUES ('requirement_pending', 'buyer'), ('requirement_confirming', 'provider'), ('requirement_rejected', 'buyer'),
             ('implementing', 'provider'), ('accepting', 'buyer'), ('refunding', 'platform')) AS a(stage, role) ON a.stage = d.stage
WHERE d.order_id LIKE 'LOAD-%';

ANALYZE;

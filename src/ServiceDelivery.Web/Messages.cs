using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Web;

/// <summary>User-facing error texts in zh-CN (default) and en: the API (by Accept-Language) and the delivery centre's pages share them.</summary>
public static class Messages
{
    public const string Chinese = "zh-CN";
    public const string English = "en";

    /// <summary>en when the caller's most preferred supported language is English; zh-CN otherwise.</summary>
    public static string Culture(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var preferences = http.Request.GetTypedHeaders().AcceptLanguage;
        foreach (var language in preferences.OrderByDescending(l => l.Quality ?? 1))
        {
            var value = language.Value.Value ?? string.Empty;
            if (value.StartsWith("en", StringComparison.OrdinalIgnoreCase))
            {
                return English;
            }

            if (value.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
            {
                return Chinese;
            }
        }

        return Chinese;
    }

    public static string Title(string code, string culture) => Pick(culture, code switch
    {
        Failure.ValidationFailedCode => ("请求参数不正确", "Validation failed"),
        Failure.ForbiddenActionCode => ("无权执行该操作", "Action forbidden"),
        Failure.NotFoundCode => ("未找到", "Not found"),
        Failure.InvalidTransitionCode => ("当前阶段不能执行该操作", "Invalid transition"),
        "refund_not_allowed" => ("当前阶段不能申请退款", "Refund not allowed"),
        "invoice_blocks_refund" => ("发票状态不允许退款", "Invoice blocks refund"),
        "delivery_paused" => ("交付已暂停", "Delivery paused"),
        Failure.VersionConflictCode => ("版本冲突", "Version conflict"),
        Failure.OrderConflictCode => ("订单冲突", "Order conflict"),
        Failure.IdempotencyKeyReusedCode => ("幂等键已被使用", "Idempotency key reused"),
        "attachment_too_large" => ("附件过大", "Attachment too large"),
        "unauthorized" => ("未认证", "Unauthorized"),
        "payload_too_large" => ("请求体过大", "Payload too large"),
        "unsupported_media_type" => ("不支持的内容类型", "Unsupported media type"),
        "internal_error" => ("服务器内部错误", "Internal error"),
        "service_unavailable" => ("服务暂不可用", "Service unavailable"),
        Failure.BusyCode => ("服务繁忙", "Server busy"),
        "attachment_type_not_allowed" => ("附件类型不允许", "Attachment type not allowed"),
        "attachment_unavailable" => ("附件暂不可用", "Attachment unavailable"),
        "dispute_already_open" => ("已有进行中的验收争议", "An acceptance dispute is already open"),
        _ => ("请求失败", "Request failed"),
    });

    public static string Detail(Failure failure, string culture)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return Pick(culture, failure.Code switch
        {
            Failure.ValidationFailedCode => ("请求参数不正确，请检查 errors 中标注的字段。", "The request has invalid fields; see errors."),
            Failure.ForbiddenActionCode => ("您的角色不能对该交付执行此操作。", "Your role may not perform this action on this delivery."),
            Failure.NotFoundCode => ("未找到该资源，或您无权查看。", "The resource does not exist or you may not see it."),
            Failure.InvalidTransitionCode => ($"当前阶段（{failure.Stage}）不能执行该操作，可执行的操作见 allowedActions。", $"This action is not available in the current stage ({failure.Stage}); see allowedActions."),
            "refund_not_allowed" => (
                "服务商已确认需求，无法在线申请退款。如需退款，请发起工单申请云市场服务监管介入；服务商已开始实施的，退款比例需与服务商协商确定。",
                "The provider has confirmed the requirement, so a refund cannot be requested online. Open a ticket to ask the marketplace to intervene; once work has started, the refund ratio is negotiated with the provider."),
            "invoice_blocks_refund" when failure.Guard == "invoice_not_requested" => (
                "该订单已申请开票，请先前往「费用中心 > 发票管理」取消开票申请，再申请退款。",
                "An invoice was requested for this order. Cancel the invoice request (Billing > Invoices) before requesting a refund."),
            "invoice_blocks_refund" => (
                "该订单已申请或已开具发票，需取消申请或退回发票后才能通过退款。",
                "An invoice was requested or issued for this order; the refund can be approved once the request is cancelled or the invoice returned."),
            "delivery_paused" => ("交付正在退款审核中，流程已暂停，暂不能操作。", "The delivery is paused for refund review; no action is possible until the review ends."),
            Failure.VersionConflictCode => ("该交付已被更新，请刷新后重试。", "The delivery changed since you loaded it; reload and try again."),
            Failure.OrderConflictCode => ("该订单号已以不同的内容创建过交付。", "This order id was already started with different content."),
            Failure.IdempotencyKeyReusedCode => ("该 Idempotency-Key 已用于另一个不同的请求。", "This Idempotency-Key was already used for a different request."),
            "attachment_too_large" => ("附件超过大小上限。", "The file is larger than the limit."),
            "unauthorized" => ("缺少有效的访问令牌（Authorization: Bearer）。", "A valid bearer token is required."),
            "payload_too_large" => ("请求体超过大小上限。", "The request body is too large."),
            "unsupported_media_type" => ("请求体必须是 JSON（Content-Type: application/json）。", "The request body must be JSON (Content-Type: application/json)."),
            "attachment_type_not_allowed" => ("不支持该类型的附件。", "This file type is not allowed."),
            "attachment_unavailable" => ("附件文件暂时无法读取，请稍后再试或联系平台。", "The file cannot be read right now; try again later or contact the platform."),
            Failure.BusyCode => ("同时处理的请求过多，本次请求没有执行。请稍后重试（Retry-After 秒后）。", "Too many requests are being handled at once; nothing was done. Try again later (after Retry-After seconds)."),
            "service_unavailable" => ("数据库暂时无法访问，请求没有执行。请稍后重试（Retry-After 秒后）。", "The database cannot be reached right now; nothing was done. Try again later (after Retry-After seconds)."),
            "dispute_already_open" => ("该交付已有一个未解决的验收争议工单，请在该工单中补充说明，平台会一并处理。", "This delivery already has an open acceptance dispute; add to that ticket and the platform will handle both."),
            _ => ("请求失败。", "The request failed."),
        });
    }

    public static string Field(InputError error, string culture)
    {
        ArgumentNullException.ThrowIfNull(error);
        var limit = error.Limit.ToString(CultureInfo.InvariantCulture);
        return Pick(culture, error.Code switch
        {
            "required" => ("必填。", "is required."),
            "too_long" => ($"长度不能超过 {limit} 个字符。", $"must be at most {limit} characters."),
            "not_allowed_value" => ("不是允许的取值。", "is not an allowed value."),
            "unknown_field" => ("不是可接受的字段。", "is not an accepted field."),
            "too_many_attachments" => ($"附件最多 {limit} 个。", $"takes at most {limit} attachments."),
            "duplicate_attachment" => ("附件重复。", "lists an attachment twice."),
            "unknown_attachment" => ("附件不存在，或不是您上传的。", "refers to an attachment that does not exist or that you did not upload."),
            "invalid_stage" => ("不是可选的阶段。", "is not a stage you can choose here."),
            "out_of_range" => ("超出允许的范围。", "is out of range."),
            "not_a_number" => ("请填写数字（如 12 或 3.5）。", "must be a number (such as 12 or 3.5)."),
            "not_a_date" => ("请填写日期（格式 2026-12-31）。", "must be a date (as 2026-12-31)."),
            "not_a_boolean" => ("只能是 true 或 false。", "must be true or false."),
            "not_an_email" => ("不是有效的邮箱地址。", "is not an e-mail address."),
            "not_a_url" => ("请填写以 http:// 或 https:// 开头的完整网址。", "must be a full address starting with http:// or https://."),
            "too_precise" => ($"最多保留 {limit} 位小数（该币种的最小单位）。", $"takes at most {limit} decimal places (the currency's minor unit)."),
            "unknown_definition" => ("没有已发布的该流程定义。", "is not a published process definition."),
            "malformed_json" => ("JSON 格式错误。", "is not well-formed JSON."),
            "key_mismatch" => ("与地址中的 key 不一致。", "differs from the key in the address."),
            "too_large" => ("超过大小上限。", "is larger than the limit."),
            "wrong_type" => ("类型不正确。", "has the wrong type."),
            "duplicate_field" => ("字段重复出现。", "appears more than once."),
            "scenario_failed" => ("保存的模拟场景在这个版本上没有结束于预期阶段。", "the saved simulation scenario no longer ends in its expected stage on this version."),
            "confirmation_mismatch" => ("请输入流程标识以确认。", "type the definition key to confirm."),
            "invalid_text" => ("含有无法保存的字符（如 NUL 或不成对的代理字符）。", "contains characters that cannot be stored (such as NUL or an unpaired surrogate)."),
            _ => ("格式不正确。", "is not valid."),
        });
    }

    private static string Pick(string culture, (string Zh, string En) text) => culture == English ? text.En : text.Zh;
}

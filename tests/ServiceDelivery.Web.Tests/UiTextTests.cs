using System.Globalization;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Web.Tests;

public sealed class UiTextTests
{
    [Fact]
    public void Every_mail_template_has_a_name_for_operators_in_both_languages()
    {
        var root = RepositoryRoot.Path;
        var templates = Directory.GetFiles(Path.Combine(root, "src", "ServiceDelivery.Infrastructure", "Notifications", "Templates", "zh-CN"), "*.liquid")
            .Select(Path.GetFileNameWithoutExtension).Where(n => !n!.StartsWith('_')).ToList();
        templates.Should().HaveCountGreaterThan(10);
        EachHasANameInBothLanguages("mail.", templates.Select(t => t!), "the console names the mail");
    }

    /// <summary>Every <paramref name="prefix"/>+key has a text in zh-CN (with Chinese in it) and in en (without).</summary>
    private static void EachHasANameInBothLanguages(string prefix, IEnumerable<string> keys, string what)
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            foreach (var (culture, chinese) in new[] { ("zh-CN", true), ("en", false) })
            {
                CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
                foreach (var key in keys)
                {
                    var name = UiText.TryT(prefix + key);
                    name.Should().NotBeNullOrWhiteSpace($"{what} '{key}' in {culture}, not by its key");
                    name!.Any(c => c > 0x2E80).Should().Be(chinese, $"'{name}' is the {culture} name of '{key}'");
                }
            }
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void Every_reason_a_log_fails_verification_for_has_words_in_both_languages_and_an_unknown_one_is_named_with_its_code()
    {
        var reasons = typeof(ServiceDelivery.Evidence.Reasons).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        reasons.Should().HaveCountGreaterThan(8);
        var before = CultureInfo.CurrentUICulture;
        try
        {
            foreach (var (culture, chinese) in new[] { ("zh-CN", true), ("en", false) })
            {
                CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
                foreach (var reason in reasons)
                {
                    var words = LogWords.IntegrityReason(reason);
                    words.Should().NotContain(reason, $"'{reason}' is said in words in {culture}");
                    words.Any(c => c > 0x2E80).Should().Be(chinese, $"'{words}' is the {culture} text of '{reason}'");
                }

                LogWords.IntegrityReason("something_new").Should().Contain("something_new").And.NotBe("something_new", "a code this version does not know is not shown alone");
            }
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void A_span_of_one_unit_reads_in_the_singular_in_english_and_unchanged_in_chinese()
    {
        var before = CultureInfo.CurrentUICulture;
        var now = new DateTimeOffset(2026, 12, 8, 3, 0, 0, TimeSpan.Zero);
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
            UiText.Relative(now.AddMinutes(-1), now).Should().Be("1 minute ago");
            UiText.Relative(now.AddMinutes(-2), now).Should().Be("2 minutes ago");
            UiText.Span(new TimeSpan(1, 1, 0, 0)).Should().Be("1 day 1 hour");
            UiText.Duration("P1D").Should().Be("1 day");
            UiText.Duration("P15D").Should().Be("15 days");

            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
            UiText.Relative(now.AddMinutes(-1), now).Should().Be("1 分钟前");
            UiText.Span(new TimeSpan(1, 1, 0, 0)).Should().Be("1 天 1 小时");
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void Every_webhook_event_type_has_a_name_for_operators_in_both_languages()
    {
        var types = typeof(ServiceDelivery.Application.Outbox.IntegrationEvents).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        types.Should().HaveCountGreaterThan(6);
        EachHasANameInBothLanguages("webhook.", types, "the console names the webhook");
    }

    [Fact]
    public void A_failure_in_the_console_is_said_in_words_of_the_pages_language_not_by_its_codes()
    {
        var invalid = ServiceDelivery.Application.Common.Failure.Invalid(new ServiceDelivery.Application.Common.InputError("reason", "required"), new ServiceDelivery.Application.Common.InputError("note", "too_long", 500));
        var paused = new ServiceDelivery.Application.Common.Failure("delivery_paused");
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
            ServiceDelivery.Web.Console.ConsoleFailures.Explain(invalid).Should().Be("没有执行：请求参数不正确（reason 必填、note 长度不能超过 500 个字符）");
            ServiceDelivery.Web.Console.ConsoleFailures.Explain(paused).Should().NotContain("delivery_paused").And.Contain("退款审核中");

            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
            ServiceDelivery.Web.Console.ConsoleFailures.Explain(invalid).Should().Be("Not done: Validation failed (reason is required, note must be at most 500 characters)");
            ServiceDelivery.Web.Console.ConsoleFailures.Explain(paused).Should().NotContain("delivery_paused").And.Contain("paused for refund review");
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [Fact]
    public void English_lists_and_remarks_take_english_punctuation_and_chinese_keeps_its_own()
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
            (UiText.Listed(["buyer", "provider"]) + UiText.Aside("just now")).Should().Be("buyer, provider (just now)");

            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("zh-CN");
            (UiText.Listed(["买家", "服务商"]) + UiText.Aside("刚刚")).Should().Be("买家、服务商（刚刚）");
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}

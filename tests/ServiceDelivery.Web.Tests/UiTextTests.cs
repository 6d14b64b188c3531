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

        var before = CultureInfo.CurrentUICulture;
        try
        {
            foreach (var (culture, chinese) in new[] { ("zh-CN", true), ("en", false) })
            {
                CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
                foreach (var template in templates)
                {
                    var name = UiText.TryT("mail." + template);
                    name.Should().NotBeNullOrWhiteSpace($"the console names the mail '{template}' in {culture}");
                    name!.Any(c => c > 0x2E80).Should().Be(chinese, $"'{name}' is the {culture} name of '{template}'");
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
}

using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Tests.Definitions;

public sealed class LocalizedTextTests
{
    private static readonly LocalizedText Text = LocalizedText.Of("待验收", "Awaiting acceptance");

    [Theory]
    [InlineData("zh-CN", "待验收")]
    [InlineData("zh", "待验收")]
    [InlineData("zh-TW", "待验收")]
    [InlineData("en", "Awaiting acceptance")]
    [InlineData("en-US", "Awaiting acceptance")]
    [InlineData("EN-gb", "Awaiting acceptance")]
    [InlineData("fr-FR", "待验收")]
    [InlineData(null, "待验收")]
    public void Chinese_is_the_default_and_neutral_languages_match_regional_requests(string? culture, string expected)
    {
        Text.Get(culture).Should().Be(expected);
    }
}

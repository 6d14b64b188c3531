using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Tests.Definitions;

public sealed class IsoDurationTests
{
    [Theory]
    [InlineData("P15D", 15 * 24 * 3600)]
    [InlineData("P2W", 14 * 24 * 3600)]
    [InlineData("PT36H", 36 * 3600)]
    [InlineData("P1DT12H30M5S", (36 * 3600) + (30 * 60) + 5)]
    [InlineData("PT0.5S", 0.5)]
    [InlineData("PT90M", 90 * 60)]
    public void Fixed_length_durations_parse_exactly(string text, double seconds)
    {
        IsoDuration.Parse(text).Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Theory]
    [InlineData("P1Y")]
    [InlineData("P1M")]
    [InlineData("15D")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1H")]
    [InlineData("PT1D")]
    [InlineData("P1DT")]
    [InlineData("PT1S1M")]
    [InlineData("P-1D")]
    [InlineData("P1.2.3D")]
    [InlineData("")]
    [InlineData(null)]
    public void Calendar_units_and_malformed_text_are_refused_with_a_reason(string? text)
    {
        IsoDuration.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().NotBeNullOrWhiteSpace();
    }
}

using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Validation;

/// <summary>One problem in a process definition.</summary>
/// <param name="Path">JSON path of the offending value, e.g. <c>$.stages[4].timers[0].after</c>.</param>
/// <param name="Code">Stable machine code, e.g. <c>unknown_target_stage</c>.</param>
/// <param name="Message">Plain message in zh-CN and en.</param>
public sealed record ValidationError(string Path, string Code, LocalizedText Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message.Get("en")} ({Code})";
}

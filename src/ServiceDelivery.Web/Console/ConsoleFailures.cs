using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Web.Console;

/// <summary>
/// Why the console did not do something, in words: the same texts the API and the delivery centre give
/// (<see cref="Messages"/>), never the bare codes ("validation_failed（reason required）").
/// </summary>
public static class ConsoleFailures
{
    public static string Explain(Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.Code == Failure.VersionConflictCode)
        {
            return UiText.T("console.stale");
        }

        var culture = UiText.Culture;
        var text = failure.Errors.Count > 0
            ? Messages.Title(failure.Code, culture) + UiText.Aside(UiText.Listed(failure.Errors.Select(e => $"{e.Field} {Messages.Field(e, culture)}".TrimEnd('。', '.'))))
            : Messages.Detail(failure, culture);
        return UiText.T("console.error", text);
    }
}

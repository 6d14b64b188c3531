using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>
/// Text we can store and compare: PostgreSQL text holds no NUL character and UTF-8 has no lone surrogate, so
/// either would reach the database as an error (a 500). Refuse them at the edge as the caller's mistake.
/// </summary>
public static class StorableText
{
    public const string InvalidTextCode = "invalid_text";

    public static bool IsStorable(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return !value.Contains('\0', StringComparison.Ordinal) && !HasLoneSurrogate(value);
    }

    /// <summary>Middleware: an API query string with unstorable text is a 400 naming the parameter.</summary>
    public static Task RefuseUnstorableQueryAsync(HttpContext http, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        if (http.Request.QueryString.HasValue)
        {
            foreach (var (name, values) in http.Request.Query)
            {
                if (!IsStorable(name) || values.Any(v => v is not null && !IsStorable(v)))
                {
                    var field = IsStorable(name) ? name : "$";
                    return Problems.From(http, Failure.Invalid(new InputError(field, InvalidTextCode))).ExecuteAsync(http);
                }
            }
        }

        return next();
    }

    private static bool HasLoneSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return true;
            }
        }

        return false;
    }
}

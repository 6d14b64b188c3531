using System.Globalization;
using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Execution;

/// <summary>
/// What each field type takes. Values travel as strings (the API's form, a page's post); one place decides whether a
/// non-blank string is a valid value of its field, for every caller.
/// </summary>
public static class FieldValues
{
    /// <summary>The value's problem, or null when <paramref name="value"/> (not blank) is valid for <paramref name="field"/>.</summary>
    public static FieldError? Check(FieldDefinition field, string value)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(value);
        switch (field.Type)
        {
            case FieldType.Choice:
                return field.Allows(value) ? null : new FieldError(field.Key, FieldErrorCode.NotAllowedValue);
            case FieldType.Number:
                if (!TryNumber(value, out var number))
                {
                    return new FieldError(field.Key, FieldErrorCode.NotANumber);
                }

                return number < field.Min || number > field.Max ? new FieldError(field.Key, FieldErrorCode.OutOfRange) : null;
            case FieldType.Date:
                return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? null : new FieldError(field.Key, FieldErrorCode.NotADate);
            case FieldType.Boolean:
                return value is "true" or "false" ? null : new FieldError(field.Key, FieldErrorCode.NotABoolean);
            case FieldType.Email:
                return TooLong(field, value) ?? (IsEmail(value) ? null : new FieldError(field.Key, FieldErrorCode.NotAnEmail));
            case FieldType.Url:
                return TooLong(field, value) ?? (IsUrl(value) ? null : new FieldError(field.Key, FieldErrorCode.NotAUrl));
            default:
                return TooLong(field, value);
        }
    }

    /// <summary>A number as fields take it: digits with an optional sign and decimal point, no grouping, no exponent.</summary>
    public static bool TryNumber(string value, out decimal number) =>
        decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number);

    private static FieldError? TooLong(FieldDefinition field, string value) =>
        value.Length > field.MaxLength && CountRunes(value) > field.MaxLength ? new FieldError(field.Key, FieldErrorCode.TooLong, field.MaxLength) : null;

    private static bool IsEmail(string value)
    {
        // One '@' with something on both sides and a dot in the domain; no spaces or control characters. Whether the
        // mailbox exists is for the mail to find out.
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == value.LastIndexOf('@') && at < value.Length - 1
            && value.AsSpan(at + 1).Contains('.') && !value.EndsWith('.')
            && !value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            && System.Net.Mail.MailAddress.TryCreate(value, out var address) && address.Address == value;
    }

    private static bool IsUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && !string.IsNullOrEmpty(uri.Host)
        && !value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));

    private static int CountRunes(string value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            count++;
        }

        return count;
    }
}

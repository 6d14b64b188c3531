namespace ServiceDelivery.Application.Common;

/// <summary>Amounts in a currency carry at most its minor units (ISO 4217): 2 for CNY, 0 for JPY, 3 for KWD.</summary>
public static class Money
{
    private static readonly HashSet<string> NoMinorUnits = new(StringComparer.Ordinal)
    {
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    private static readonly HashSet<string> ThreeMinorUnits = new(StringComparer.Ordinal)
    {
        "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND",
    };

    /// <summary>The decimal places the currency has (2 unless ISO 4217 says otherwise).</summary>
    public static int MinorUnits(string? currency) =>
        currency is null ? 2 : NoMinorUnits.Contains(currency) ? 0 : ThreeMinorUnits.Contains(currency) ? 3 : 2;

    /// <summary>True when <paramref name="amount"/> needs no more decimal places than the currency has.</summary>
    public static bool Fits(decimal amount, string? currency) => decimal.Round(amount, MinorUnits(currency)) == amount;

    /// <summary>The field error for an amount finer than the currency's minor units, or null.</summary>
    public static InputError? Check(string field, decimal? amount, string? currency) =>
        amount is { } value && !Fits(value, currency) ? new InputError(field, "too_precise", MinorUnits(currency)) : null;
}

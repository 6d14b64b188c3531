using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ServiceDelivery.Persistence.Configurations;

/// <summary>Stores a string dictionary as a jsonb object (form texts in the process log).</summary>
internal static class JsonDictionary
{
    public static readonly ValueConverter<Dictionary<string, string>, string> Converter = new(
        value => JsonSerializer.Serialize(value, (JsonSerializerOptions?)null),
        json => JsonSerializer.Deserialize<Dictionary<string, string>>(json, (JsonSerializerOptions?)null) ?? new Dictionary<string, string>());

    public static readonly ValueComparer<Dictionary<string, string>> Comparer = new(
        (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
        value => value.Aggregate(0, (hash, pair) => HashCode.Combine(hash, pair.Key, pair.Value)),
        value => new Dictionary<string, string>(value));
}

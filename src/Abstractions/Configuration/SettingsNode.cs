namespace Promoter.Abstractions.Configuration;

/// <summary>Where a value came from, for error messages.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}

/// <summary>
/// A parsed configuration value, independent of the YAML library the host uses, so that plugins do not
/// need one. <c>${ENV}</c> references are already expanded in scalars.
/// </summary>
public abstract record SettingsNode(SourceLocation Location);

/// <summary>A scalar; <see cref="Value"/> is null for YAML null (<c>~</c> or nothing).</summary>
public sealed record SettingsScalar(string? Value, SourceLocation Location) : SettingsNode(Location);

public sealed record SettingsSequence(IReadOnlyList<SettingsNode> Items, SourceLocation Location) : SettingsNode(Location);

/// <summary>A mapping with keys in file order.</summary>
public sealed record SettingsMapping(IReadOnlyList<KeyValuePair<string, SettingsNode>> Entries, SourceLocation Location)
    : SettingsNode(Location)
{
    public SettingsNode? this[string key]
    {
        get
        {
            foreach (var (k, v) in Entries)
            {
                if (string.Equals(k, key, StringComparison.Ordinal))
                {
                    return v;
                }
            }

            return null;
        }
    }
}

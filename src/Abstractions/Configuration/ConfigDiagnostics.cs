using System.Text;

namespace Promoter.Abstractions.Configuration;

/// <summary>One configuration problem: where, what, and how to fix it.</summary>
/// <param name="Location">File, line and column.</param>
/// <param name="Path">The path inside the file, such as <c>receivers[1].channels[0]</c>.</param>
public sealed record ConfigError(SourceLocation Location, string Path, string Message, string Fix)
{
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Location.ToString()).Append(": ");
        if (Path.Length > 0)
        {
            sb.Append(Path).Append(": ");
        }

        sb.Append(Message);
        if (Fix.Length > 0)
        {
            sb.Append(" (fix: ").Append(Fix).Append(')');
        }

        return sb.ToString();
    }
}

/// <summary>Collects every configuration problem, so that all of them are reported at once.</summary>
public sealed class ConfigDiagnostics
{
    private readonly List<ConfigError> _errors = [];

    public IReadOnlyList<ConfigError> Errors => _errors;

    public bool HasErrors => _errors.Count > 0;

    public void Add(ConfigError error) => _errors.Add(error);

    public void Add(SourceLocation location, string path, string message, string fix) =>
        _errors.Add(new ConfigError(location, path, message, fix));
}

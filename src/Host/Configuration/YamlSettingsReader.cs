using System.Text;
using System.Text.RegularExpressions;
using Promoter.Abstractions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Promoter.Host.Configuration;

/// <summary>
/// Turns a YAML file into the contract's <see cref="SettingsNode"/> tree, keeping line and column for every
/// value and expanding <c>${NAME}</c> environment references in scalars (<c>$${</c> writes a literal <c>${</c>).
/// Expansion happens per scalar, after parsing, so a variable's value can never change the YAML structure.
/// </summary>
internal static partial class YamlSettingsReader
{
    public static SettingsMapping? Read(string text, string fileName, ConfigDiagnostics diagnostics,
        Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            // YamlDotNet prefixes "(Line: …)" to messages; the location is reported separately.
            message = LocationPrefix().Replace(message, "").Trim();
            diagnostics.Add(new SourceLocation(fileName, (int)e.Start.Line, (int)e.Start.Column), "",
                $"invalid YAML: {message}", "check indentation, quoting and that every key appears once");
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new SettingsMapping([], new SourceLocation(fileName, 1, 1));
        }

        var root = Convert(stream.Documents[0].RootNode, fileName, "", diagnostics, environment);
        if (root is SettingsMapping map)
        {
            return map;
        }

        diagnostics.Add(root.Location, "", "the file must be a YAML mapping (name: value lines) at the top level",
            "start the file with keys such as listen:, receivers:, channels:");
        return null;
    }

    private static SettingsNode Convert(YamlNode node, string file, string path, ConfigDiagnostics diagnostics,
        Func<string, string?> environment)
    {
        var location = new SourceLocation(file, (int)node.Start.Line, (int)node.Start.Column);
        switch (node)
        {
            case YamlScalarNode scalar:
                if (scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL")
                {
                    return new SettingsScalar(null, location);
                }

                return new SettingsScalar(Expand(scalar.Value ?? "", location, path, diagnostics, environment), location);
            case YamlSequenceNode seq:
                var items = new List<SettingsNode>(seq.Children.Count);
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    items.Add(Convert(seq.Children[i], file, $"{path}[{i}]", diagnostics, environment));
                }

                return new SettingsSequence(items, location);
            case YamlMappingNode map:
                var entries = new List<KeyValuePair<string, SettingsNode>>(map.Children.Count);
                foreach (var (k, v) in map.Children)
                {
                    if (k is not YamlScalarNode { Value: { } key })
                    {
                        diagnostics.Add(new SourceLocation(file, (int)k.Start.Line, (int)k.Start.Column), path,
                            "a key must be a plain word", "write keys as name: value");
                        continue;
                    }

                    var childPath = path.Length == 0 ? key : $"{path}.{key}";
                    entries.Add(new(key, Convert(v, file, childPath, diagnostics, environment)));
                }

                return new SettingsMapping(entries, location);
            default:
                diagnostics.Add(location, path, "YAML aliases and tags are not supported here", "write the value out in full");
                return new SettingsScalar(null, location);
        }
    }

    private static string Expand(string value, SourceLocation location, string path, ConfigDiagnostics diagnostics,
        Func<string, string?> environment)
    {
        if (!value.Contains('$', StringComparison.Ordinal))
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '$' && i + 2 < value.Length && value[i + 1] == '$' && value[i + 2] == '{')
            {
                sb.Append("${");
                i += 2;
                continue;
            }

            if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '{')
            {
                var end = value.IndexOf('}', i + 2);
                if (end < 0)
                {
                    diagnostics.Add(location, path, "unterminated ${ in value", "close it with } or write $${ for a literal ${");
                    return value;
                }

                var name = value[(i + 2)..end];
                if (!EnvName().IsMatch(name))
                {
                    diagnostics.Add(location, path, $"'${{{name}}}' is not a valid environment variable reference",
                        "use letters, digits and underscores, such as ${SLACK_TOKEN}");
                }
                else if (environment(name) is { } v)
                {
                    sb.Append(v);
                }
                else
                {
                    diagnostics.Add(location, path, $"environment variable {name} is not set",
                        $"export {name} before starting Promoter, or use the *_file form of this setting");
                }

                i = end;
                continue;
            }

            sb.Append(value[i]);
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):")]
    private static partial Regex LocationPrefix();
}

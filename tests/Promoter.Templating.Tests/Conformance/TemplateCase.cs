using System.Text;
using Promoter.Testing.Infrastructure;

namespace Promoter.Templating.Tests.Conformance;

/// <summary>
/// One conformance case from tests/testdata/templates/cases/*.cases:
/// <code>
/// %%% name [data=mixed.json] [glob=file.tmpl] [profile=dingtalk] [oracle=expected] [type=html]
/// template text (one final newline is dropped)
/// %%% expect                (only for oracle=expected: the output, one final newline dropped)
/// %%% error                 (or: the expected error message)
/// </code>
/// Cases are rendered like `amtool template render`: default templates, the glob file, then the text
/// as template "" with the data file. oracle=amtool (the default) means amtool 0.25 decides. type=html
/// renders as html/template (amtool --template.type=html).
/// </summary>
public sealed record TemplateCase(string File, string Name, string Text, string Data, string? Glob, FunctionProfile Profile, bool AmtoolOracle, string? Expect, string? ExpectError)
{
    /// <summary>Rendered as html/template (contextual escaping) instead of text/template.</summary>
    public bool Html { get; init; }

    public string Id => $"{Path.GetFileNameWithoutExtension(File)}/{Name}";

    public override string ToString() => Id;

    public static string CasesDirectory => TestPaths.TestData("templates", "cases");

    public static IReadOnlyList<TemplateCase> All { get; } = Load();

    private static List<TemplateCase> Load()
    {
        LocalZone.PinToUtc();
        var list = new List<TemplateCase>();
        foreach (var file in Directory.GetFiles(CasesDirectory, "*.cases").Order(StringComparer.Ordinal))
        {
            list.AddRange(Parse(file, System.IO.File.ReadAllText(file)));
        }

        var dup = list.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new InvalidOperationException($"duplicate case name {dup.Key}");
        }

        return list;
    }

    public static IEnumerable<TemplateCase> Parse(string file, string content)
    {
        content = content.Replace("\r\n", "\n", StringComparison.Ordinal);
        // The file's final newline ends the last case; it is not part of its text.
        if (content.EndsWith('\n'))
        {
            content = content[..^1];
        }

        var lines = content.Split('\n');
        var i = 0;
        while (i < lines.Length && !IsHeader(lines[i]))
        {
            i++;
        }

        while (i < lines.Length)
        {
            var header = lines[i++][4..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var name = header[0];
            var opts = header.Skip(1).Select(h => h.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
            var sections = new Dictionary<string, StringBuilder>(StringComparer.Ordinal) { ["text"] = new() };
            var current = "text";
            while (i < lines.Length && !IsHeader(lines[i]))
            {
                var line = lines[i++];
                if (line is "%%% expect" or "%%% error")
                {
                    current = line[4..];
                    sections[current] = new StringBuilder();
                    continue;
                }

                sections[current].Append(line).Append('\n');
            }

            static string? Body(Dictionary<string, StringBuilder> s, string key)
            {
                if (!s.TryGetValue(key, out var sb))
                {
                    return null;
                }

                var text = sb.ToString();
                return text.EndsWith('\n') ? text[..^1] : text;
            }

            var profile = opts.TryGetValue("profile", out var p) && p == "dingtalk" ? FunctionProfile.DingTalk : FunctionProfile.Alertmanager;
            var oracleAmtool = !(opts.TryGetValue("oracle", out var o) && o == "expected") && profile == FunctionProfile.Alertmanager;
            yield return new TemplateCase(file, name, Body(sections, "text")!, opts.GetValueOrDefault("data", "mixed.json"),
                opts.GetValueOrDefault("glob"), profile, oracleAmtool, Body(sections, "expect"), Body(sections, "error"))
            {
                Html = opts.TryGetValue("type", out var type) && type == "html",
            };
        }
    }

    private static bool IsHeader(string line) => line.StartsWith("%%% ", StringComparison.Ordinal) && line is not ("%%% expect" or "%%% error");

    public string DataPath => TestPaths.TestData("templates", "data", Data);

    public string? GlobPath => Glob is null ? null : TestPaths.TestData("templates", "globs", Glob);

    /// <summary>Our engine, driven like amtool: the output, or the error message.</summary>
    public (string? Output, string? Error) RenderWithEngine()
    {
        try
        {
            var globs = GlobPath is null ? Array.Empty<string>() : [GlobPath];
            return (Alertmanager.AmtoolCompatibleRenderer.Render(globs, Text, System.IO.File.ReadAllText(DataPath), Profile, Html), null);
        }
        catch (TemplateException e)
        {
            return (null, e.GoMessage);
        }
    }
}

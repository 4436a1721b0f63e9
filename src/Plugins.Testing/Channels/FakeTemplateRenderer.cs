using System.Text;
using Promoter.Abstractions.Templating;

namespace Promoter.Testing.Channels;

/// <summary>
/// A stand-in for the Go template engine in channel unit tests. A template text registered with
/// <see cref="Map"/> renders through its function; the text "FAIL-COMPILE" throws at compile time and
/// "FAIL-RENDER" at render time; any other text renders as <see cref="Describe"/> (status, names,
/// summaries and image links), which is enough to see what a channel does with a rendered message.
/// </summary>
public sealed class FakeTemplateRenderer : ITemplateRenderer
{
    public const string FailCompile = "FAIL-COMPILE";
    public const string FailRender = "FAIL-RENDER";

    private readonly Dictionary<string, Func<TemplateInput, string>> _map = new(StringComparer.Ordinal);

    /// <summary>Every (name, text, profile) compiled, in order.</summary>
    public List<(string Name, string Text, string Profile)> Compiled { get; } = [];

    public FakeTemplateRenderer Map(string text, Func<TemplateInput, string> render)
    {
        _map[text] = render;
        return this;
    }

    public ICompiledTemplate Compile(string name, string text, string profile = TemplateProfiles.Alertmanager)
    {
        lock (Compiled)
        {
            Compiled.Add((name, text, profile));
        }

        if (text == FailCompile)
        {
            throw new TemplateException($"{name}:1:3: function \"nope\" not defined");
        }

        if (text == FailRender)
        {
            return new CompiledFake(name, _ => throw new TemplateException($"{name}:1:3: executing: error calling fail"));
        }

        return new CompiledFake(name, _map.TryGetValue(text, out var f) ? f : Describe);
    }

    /// <summary>A plain rendering of the input: status, then per alert its name, summary and image links.</summary>
    public static string Describe(TemplateInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var sb = new StringBuilder();
        sb.Append('[').Append(input.Group.Status.ToUpperInvariant()).Append("] ");
        sb.AppendLine(string.Join(" ", input.Group.GroupLabels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value)));
        for (var i = 0; i < input.Group.Alerts.Count; i++)
        {
            var a = input.Group.Alerts[i];
            sb.Append("- ").Append(a.Name).Append(": ").AppendLine(a.Annotations.TryGetValue("summary", out var s) ? s : "");
            foreach (var img in input.Images.Where(im => im.AlertIndex == i && im.Url is not null))
            {
                sb.Append("  ![").Append(img.Title).Append("](").Append(img.Url).AppendLine(")");
            }
        }

        return sb.ToString();
    }

    private sealed class CompiledFake(string name, Func<TemplateInput, string> render) : ICompiledTemplate
    {
        public string Name => name;

        public string Render(TemplateInput input) => render(input);
    }
}

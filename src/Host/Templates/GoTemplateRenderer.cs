using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Host.Templates;

/// <summary>
/// The host's <see cref="ITemplateRenderer"/>: Promoter.Templating's Go text/template engine with the
/// template set built in this order (later definitions replace earlier ones, as in Alertmanager):
/// Alertmanager's defaults, the host's own, every plugin's shipped templates, then the operator's files.
/// </summary>
internal sealed partial class GoTemplateRenderer : ITemplateRenderer
{
    public static GoTemplateRenderer Create(IEnumerable<TemplateSource> pluginSources, IReadOnlyList<string> userGlobs,
        ConfigDiagnostics diagnostics, SourceLocation configLocation)
    {
        throw new NotImplementedException("pending Promoter.Templating");
    }

    public ICompiledTemplate Compile(string name, string text, string profile = TemplateProfiles.Alertmanager) =>
        throw new NotImplementedException("pending Promoter.Templating");
}

using Promoter.Abstractions.Templating;
using Promoter.Plugins.Sdk.Templating;
using Promoter.Testing.Channels;

namespace Promoter.Abstractions.Tests;

public sealed class TemplateFallbackTests
{
    private const string Blank = "BLANK";

    public static TheoryData<string?, string, string?> Cases => new()
    {
        // template text (null: none configured), what goes out, the failure reported (by template name)
        { "ok", "rendered", null },
        { null, "built-in", null },
        { Blank, "built-in", null },
        { FakeTemplateRenderer.FailCompile, "built-in", "ch.template.text" },
        { FakeTemplateRenderer.FailRender, "built-in", "ch.template.text" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Render_EachTemplateOutcome_TemplateOrBuiltInTextAndFailureReportedOnce(string? text, string expected, string? failedTemplate)
    {
        var renderer = new FakeTemplateRenderer().Map("ok", _ => "rendered").Map(Blank, _ => " \n ");
        var failures = new List<(string Name, string Error)>();
        var inputs = 0;

        var template = text is null ? null : TemplateFallback.Compile(renderer, "ch.template.text", text, TemplateProfiles.Alertmanager, (n, e) => failures.Add((n, e)));
        var result = TemplateFallback.Render(template, () =>
        {
            inputs++;
            return new TemplateInput(AlertGroupSamples.FiringSingle);
        }, () => "built-in", (n, e) => failures.Add((n, e)));

        Assert.Equal(expected, result);
        Assert.Equal(failedTemplate is null ? 0 : 1, failures.Count);
        if (failedTemplate is not null)
        {
            Assert.Equal(failedTemplate, failures[0].Name);
            Assert.False(string.IsNullOrWhiteSpace(failures[0].Error));
        }

        // The input (labels, links, extras) is built only when there is a template to render it.
        Assert.Equal(template is null ? 0 : 1, inputs);
    }

    [Fact]
    public void Compile_HtmlOnRendererWithoutHtmlMode_FallsBackToTextTemplate()
    {
        var renderer = new FakeTemplateRenderer().Map("<b>{{ .Status }}</b>", _ => "<b>firing</b>");

        var template = TemplateFallback.Compile(renderer, "mail.template.html", "<b>{{ .Status }}</b>", TemplateProfiles.Alertmanager, (_, _) => Assert.Fail("no failure expected"), html: true);

        Assert.NotNull(template);
        Assert.Equal("<b>firing</b>", TemplateFallback.Render(template, () => new TemplateInput(AlertGroupSamples.FiringSingle), "built-in", (_, _) => { }));
    }
}

using System.Collections.Concurrent;
using Promoter.Templating.Alertmanager;

namespace Promoter.Templating.Tests;

public class TemplateSetTests
{
    public TemplateSetTests() => LocalZone.PinToUtc();

    private static TemplateData Data() => TemplateData.FromWebhookJson("""
        {"receiver":"r","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A","severity":"page"},"annotations":{"summary":"s"},
        "startsAt":"2026-08-20T02:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://g","fingerprint":"f1",
        "images":[{"url":"http://i/1.png","title":"x > 1"}]}],
        "groupLabels":{"alertname":"A"},"commonLabels":{"alertname":"A","severity":"page"},"commonAnnotations":{"summary":"s"},"externalURL":"http://am",
        "notification_reason":"first notification"}
        """);

    [Fact]
    public void Parse_TextOutsideDefines_BecomesTemplateNamedAfterSource()
    {
        var set = new TemplateSet(FunctionProfile.Alertmanager);
        set.Parse("file.tmpl", """{{ define "a" }}A{{ end }}top {{ template "a" }}""");
        Assert.True(set.Has("a"));
        Assert.True(set.Has("file.tmpl"));
        Assert.Equal("top A", set.Execute("file.tmpl", null));
    }

    [Fact]
    public void Parse_LaterSourceRedefines_ReplacesEarlierButEmptyNeverReplaces()
    {
        var set = new TemplateSet(FunctionProfile.Alertmanager);
        set.Parse("one", """{{ define "t" }}first{{ end }}""");
        set.Parse("two", """{{ define "t" }}second{{ end }}""");
        set.Parse("three", """{{ define "t" }}  {{ end }}""");
        Assert.Equal("second", set.Execute("t", null));
    }

    [Fact]
    public void Clone_ParseOnTop_LeavesOriginalUntouched()
    {
        var set = DefaultTemplates.CreateSet(FunctionProfile.Alertmanager);
        var clone = set.Clone();
        clone.Parse("", """{{ define "__subject" }}changed{{ end }}{{ template "__subject" . }}""");
        Assert.Equal("changed", clone.Execute("", Data()));
        Assert.Equal("[FIRING:1] A (page)", set.Execute("__subject", Data()));
        Assert.False(set.Has(""));
    }

    [Fact]
    public void Execute_TextWriter_WritesSameAsString()
    {
        var set = DefaultTemplates.CreateSet(FunctionProfile.Alertmanager);
        using var w = new StringWriter();
        set.Execute(w, "slack.default.fallback", Data());
        Assert.Equal(set.Execute("slack.default.fallback", Data()), w.ToString());
        Assert.Equal("[FIRING:1] A (page) | http://am/#/alerts?receiver=r", w.ToString());
    }

    [Fact]
    public void Execute_UnknownTemplate_ThrowsExecutionExceptionNamingIt()
    {
        var set = new TemplateSet(FunctionProfile.Alertmanager);
        var e = Assert.Throws<TemplateExecutionException>(() => set.Execute("nope", null));
        Assert.Contains("\"nope\"", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\n{{ if }}", 2, 7, "missing value for if")]
    [InlineData("{{ nope 1 }}", 1, 4, "function \"nope\" not defined")]
    [InlineData("ok\nok {{ \"abc }}", 2, 7, "unterminated quoted string")]
    public void Parse_BadText_ReportsSourceLineColumnAndWhatIsWrong(string text, int line, int column, string detail)
    {
        var set = new TemplateSet(FunctionProfile.Alertmanager);
        var e = Assert.Throws<TemplateParseException>(() => set.Parse("channel.title", text));
        Assert.Equal("channel.title", e.TemplateName);
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Equal(detail, e.Detail);
        Assert.Equal($"template: channel.title:{line}:{column}: {detail}", e.Message);
        Assert.Equal($"template: channel.title:{line}: {detail}", e.GoMessage);
    }

    [Fact]
    public void Execute_BadField_ReportsTemplateLineAndExpression()
    {
        var set = new TemplateSet(FunctionProfile.Alertmanager);
        set.Parse("t", "line1\n  {{ .Alerts.Nope }}");
        var e = Assert.Throws<TemplateExecutionException>(() => set.Execute("t", Data()));
        Assert.Equal(2, e.Line);
        Assert.Equal(".Alerts.Nope", e.Expression);
        Assert.Equal("template: t:2:12: executing \"t\" at <.Alerts.Nope>: can't evaluate field Nope in type template.Alerts", e.Message);
    }

    [Fact]
    public void Execute_PromoterAdditions_ImagesReasonAndExtraFields()
    {
        var set = new TemplateSet(FunctionProfile.DingTalk);
        set.Parse("t", "{{ .NotificationReason }}|{{ range .Alerts }}{{ range .Images }}![{{ .Title }}]({{ .Url }}){{ end }}{{ end }}|{{ range .AtMobiles }}@{{ . }}{{ end }}|{{ .Channel }}|{{ .Tags | join \",\" }}");
        var data = Data();
        data.AtMobiles = ["138"];
        data.With("Channel", "ops").With("Tags", new List<string> { "a", "b" });
        Assert.Equal("first notification|![x > 1](http://i/1.png)|@138|ops|a,b", set.Execute("t", data));
    }

    [Fact]
    public void Create_FromPlainValues_BehavesLikeParsedAlert()
    {
        var alert = TemplateAlert.Create("firing", new Dictionary<string, string> { ["b"] = "2", ["alertname"] = "X", ["a"] = "1" }, [],
            new DateTimeOffset(2026, 8, 20, 10, 0, 0, TimeSpan.FromHours(8)), null, "http://g", "fp");
        var data = new TemplateData { Status = "firing", Alerts = new Alerts([alert]) };
        var set = new TemplateSet(FunctionProfile.Alertmanager);
        set.Parse("t", "{{ range .Alerts }}{{ .Labels.SortedPairs.Names }} {{ .StartsAt.UTC.Format \"15:04\" }} {{ .EndsAt.IsZero }}{{ end }} {{ len .Alerts.Firing }}");
        Assert.Equal("[alertname a b] 02:00 true 1", set.Execute("t", data));
    }

    [Fact]
    public void Execute_ManyThreadsOneSet_GivesSameOutput()
    {
        var set = DefaultTemplates.CreateSet(FunctionProfile.Alertmanager);
        var data = Data();
        var expected = set.Execute("wechat.default.message", data);
        var results = new ConcurrentBag<string>();
        Parallel.For(0, 200, _ => results.Add(set.Execute("wechat.default.message", data)));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Render_NoData_UsesAmtoolSampleData()
    {
        var output = AmtoolCompatibleRenderer.Render([], "{{ .Receiver }} {{ len .Alerts }} {{ .GroupLabels.grouplabelkey1 }}", null, FunctionProfile.Alertmanager);
        Assert.Equal("receiver 2 grouplabelvalue1", output);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"alerts":[{"startsAt":"yesterday"}]}""")]
    public void FromWebhookJson_BadInput_ThrowsTemplateExceptionSayingWhy(string json)
    {
        var e = Assert.Throws<TemplateException>(() => TemplateData.FromWebhookJson(json));
        Assert.Contains("template data", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_DeepRecursion_StopsWithDepthError()
    {
        var set = new TemplateSet(FunctionProfile.Alertmanager);
        set.Parse("t", """{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}""");
        var e = Assert.Throws<TemplateExecutionException>(() => set.Execute("t", null));
        Assert.Contains("exceeded maximum template depth", e.Message, StringComparison.Ordinal);
    }
}

using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;
using Promoter.Testing.Infrastructure;

namespace Promoter.Templating.Tests.Conformance;

/// <summary>
/// The differential suite: every case in tests/testdata/templates/cases through our engine and through
/// `amtool template render` (the live oracle), requiring byte-identical output or the identical error.
/// The amtool results are also checked in (expected/*.json) so drift is visible in review;
/// PROMOTER_REGENERATE_TEMPLATES=1 rewrites them from amtool.
/// </summary>
public sealed class ConformanceTests : IClassFixture<ConformanceTests.Recorder>
{
    private readonly Recorder _recorder;

    public ConformanceTests(Recorder recorder) => _recorder = recorder;

    public static TheoryData<string> AmtoolCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in TemplateCase.All.Where(c => c.AmtoolOracle))
        {
            data.Add(c.Id);
        }

        return data;
    }

    public static TheoryData<string> AllCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in TemplateCase.All)
        {
            data.Add(c.Id);
        }

        return data;
    }

    private static TemplateCase Find(string id) => TemplateCase.All.Single(c => c.Id == id);

    [Theory]
    [MemberData(nameof(AmtoolCases))]
    public void AlertmanagerProfile_SameTextAndData_MatchesAmtoolByteForByte(string id)
    {
        var c = Find(id);
        var oracle = AmtoolOracle.Render(c);
        _recorder.Record(c, oracle);
        var ours = c.RenderWithEngine();
        Assert.Equal(oracle.Error, ours.Error);
        Assert.Equal(oracle.Output, ours.Output);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Case_RenderedByEngine_MatchesCheckedInExpectation(string id)
    {
        var c = Find(id);
        var (expectedOutput, expectedError) = c.AmtoolOracle ? Recorder.CheckedIn(c) : (c.Expect, c.ExpectError);
        Assert.True(expectedOutput is not null || expectedError is not null, $"case {id} has no expectation (run with PROMOTER_REGENERATE_TEMPLATES=1, or add --- expect)");
        var ours = c.RenderWithEngine();
        Assert.Equal(expectedError, ours.Error);
        Assert.Equal(expectedOutput, ours.Output);
    }

    [Fact]
    public void Suite_CountsCases_HasAtLeast300()
    {
        Assert.True(TemplateCase.All.Count >= 300, $"only {TemplateCase.All.Count} cases");
        Assert.True(TemplateCase.All.Count(c => c.AmtoolOracle) >= 250, $"only {TemplateCase.All.Count(c => c.AmtoolOracle)} cases checked by amtool");
    }

    /// <summary>Keeps amtool's answers to write them out when regeneration is asked for.</summary>
    public sealed class Recorder : IDisposable
    {
        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        private static readonly ConcurrentDictionary<string, Dictionary<string, Expectation>> Files = new();
        private readonly ConcurrentDictionary<string, (TemplateCase Case, string? Output, string? Error)> _seen = new();

        public sealed record Expectation(string? Output, string? Error);

        private static bool Regenerate => Environment.GetEnvironmentVariable("PROMOTER_REGENERATE_TEMPLATES") == "1";

        private static string ExpectedPath(TemplateCase c) =>
            TestPaths.TestData("templates", "expected", Path.GetFileNameWithoutExtension(c.File) + ".json");

        public static (string? Output, string? Error) CheckedIn(TemplateCase c)
        {
            var file = Files.GetOrAdd(ExpectedPath(c), static path => File.Exists(path)
                ? JsonSerializer.Deserialize<Dictionary<string, Expectation>>(File.ReadAllText(path)) ?? []
                : []);
            return file.TryGetValue(c.Name, out var e) ? (e.Output, e.Error) : (null, null);
        }

        public void Record(TemplateCase c, (string? Output, string? Error) result) => _seen[c.Id] = (c, result.Output, result.Error);

        public void Dispose()
        {
            if (!Regenerate)
            {
                return;
            }

            foreach (var group in _seen.Values.GroupBy(s => ExpectedPath(s.Case)))
            {
                var map = new SortedDictionary<string, Expectation>(StringComparer.Ordinal);
                foreach (var s in group)
                {
                    map[s.Case.Name] = new Expectation(s.Output, s.Error);
                }

                File.WriteAllText(group.Key, JsonSerializer.Serialize(map, Json) + "\n");
            }
        }
    }
}

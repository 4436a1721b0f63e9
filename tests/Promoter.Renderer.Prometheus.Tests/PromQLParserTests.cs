using System.Text;
using System.Text.Json;
using Promoter.Renderer.Prometheus.PromQL;
using Promoter.Testing.Infrastructure;

namespace Promoter.Renderer.Prometheus.Tests;

public class PromQLParserTests
{
    public static TheoryData<string> ValidExpressions()
    {
        var data = new TheoryData<string>();
        foreach (var line in ValidLines())
        {
            data.Add(line);
        }

        return data;
    }

    public static TheoryData<string, string> InvalidExpressions()
    {
        var data = new TheoryData<string, string>();
        foreach (var (expr, message) in InvalidLines())
        {
            data.Add(expr, message);
        }

        return data;
    }

    private static IEnumerable<string> ValidLines() =>
        File.ReadAllLines(TestPaths.TestData("renderer", "promql-valid.txt"))
            .Where(l => l.Trim().Length > 0 && !l.StartsWith('#'));

    private static IEnumerable<(string Expr, string Message)> InvalidLines() =>
        File.ReadAllLines(TestPaths.TestData("renderer", "promql-invalid.txt"))
            .Where(l => !l.StartsWith('#') && l.Contains('\t'))
            .Select(l => (l[..l.IndexOf('\t')], l[(l.IndexOf('\t') + 1)..]));

    [Fact]
    public void Corpus_Size_IsBroad()
    {
        Assert.True(ValidLines().Count() >= 150, "the valid corpus holds at least 150 expressions");
        Assert.True(InvalidLines().Count() >= 30, "the malformed corpus holds at least 30 expressions");
    }

    [Theory]
    [MemberData(nameof(ValidExpressions))]
    public void Parse_ValidCorpusExpression_Succeeds(string expression)
    {
        var ok = Parser.TryParse(expression, out var expr, out var error);
        Assert.True(ok, $"{expression}: {error}");
        Assert.NotNull(expr);
    }

    [Theory]
    [MemberData(nameof(InvalidExpressions))]
    public void Parse_MalformedExpression_FailsWithClearMessage(string expression, string expected)
    {
        var e = Assert.Throws<PromQLSyntaxException>(() => Parser.Parse(expression));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("at character", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The corpus is only worth something if Prometheus agrees with it: promtool checks every line.</summary>
    [Fact]
    public async Task Corpus_CheckedByPromtool_AgreesWithParser()
    {
        var promtool = RequiredTool.Find("promtool", "apt-get install prometheus");
        var dir = TestPaths.NewTempDirectory("promoter-promql");
        var rules = new StringBuilder("groups:\n");
        var i = 0;
        foreach (var line in ValidLines())
        {
            rules.Append("- name: g").Append(i).Append("\n  rules:\n  - record: r").Append(i++).Append("\n    expr: ")
                .Append(JsonSerializer.Serialize(line)).Append('\n');
        }

        var path = Path.Combine(dir, "valid.yml");
        await File.WriteAllTextAsync(path, rules.ToString());
        await using var valid = ChildProcess.Start(promtool, ["check", "rules", path]);
        Assert.True(await valid.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, valid.Output);
        Assert.Contains($"SUCCESS: {i} rules found", valid.Output, StringComparison.Ordinal);

        var j = 0;
        foreach (var (expr, _) in InvalidLines().Where(l => l.Expr.Length > 0))
        {
            var bad = Path.Combine(dir, $"bad{j++}.yml");
            await File.WriteAllTextAsync(bad, $"groups:\n- name: g\n  rules:\n  - record: r\n    expr: {JsonSerializer.Serialize(expr)}\n");
            await using var check = ChildProcess.Start(promtool, ["check", "rules", bad]);
            Assert.True(await check.WaitForExitAsync(TimeSpan.FromSeconds(30)) != 0, $"promtool accepted the malformed corpus line {expr}");
        }
    }

    [Theory]
    [InlineData("a + b * c", "+")]
    [InlineData("a * b + c", "+")]
    [InlineData("a or b and c", "or")]
    [InlineData("a and b or c", "or")]
    [InlineData("a > b + c", ">")]
    [InlineData("a - b - c", "-")]
    [InlineData("a unless b > 1", "unless")]
    public void Parse_BinaryOperators_RespectPrecedence(string expression, string topOperator)
    {
        var b = Assert.IsType<Binary>(Parser.Parse(expression));
        Assert.Equal(topOperator, b.OpText);
    }

    [Fact]
    public void Parse_Power_IsRightAssociativeAndBindsTighterThanUnaryMinus()
    {
        var u = Assert.IsType<Unary>(Parser.Parse("-2 ^ 2"));
        Assert.IsType<Binary>(u.Operand);
        var p = Assert.IsType<Binary>(Parser.Parse("2 ^ 3 ^ 2"));
        Assert.IsType<NumberLiteral>(p.Left);
        Assert.IsType<Binary>(p.Right);
    }

    [Fact]
    public void Parse_SubtractionChain_IsLeftAssociative()
    {
        var b = Assert.IsType<Binary>(Parser.Parse("a - b - c"));
        Assert.IsType<Binary>(b.Left);
        Assert.IsType<VectorSelector>(b.Right);
    }

    [Theory]
    [InlineData("1e-06", 1e-6)]
    [InlineData("0x1F", 31)]
    [InlineData(".5", 0.5)]
    [InlineData("1.5e+3", 1500)]
    [InlineData("Inf", double.PositiveInfinity)]
    [InlineData("-inf", double.NegativeInfinity)]
    public void Parse_NumberLiterals_HaveTheirValue(string text, double expected)
    {
        var e = Parser.Parse(text);
        var v = e is Unary { Operand: NumberLiteral n } ? -n.Value : Assert.IsType<NumberLiteral>(e).Value;
        Assert.Equal(expected, v);
    }

    [Fact]
    public void Parse_Selector_KeepsMatchersAndDecodedStrings()
    {
        var v = Assert.IsType<VectorSelector>(Parser.Parse("up{job=\"a\\\"b\", env!~'p.*', path=`c:\\d`}"));
        Assert.Equal("up", v.MetricName);
        Assert.Equal(new LabelMatcher("job", MatchOp.Equal, "a\"b"), v.Matchers[0]);
        Assert.Equal(new LabelMatcher("env", MatchOp.NotRegex, "p.*"), v.Matchers[1]);
        Assert.Equal(new LabelMatcher("path", MatchOp.Equal, "c:\\d"), v.Matchers[2]);
    }

    [Fact]
    public void Parse_RangeSubqueryOffsetAt_BuildTheirNodes()
    {
        var call = Assert.IsType<Call>(Parser.Parse("max_over_time(rate(x[5m] offset 1h)[30m:1m] @ end())"));
        var modified = Assert.IsType<Modified>(call.Args[0]);
        Assert.Equal("end()", modified.At);
        var sub = Assert.IsType<Subquery>(modified.Inner);
        Assert.Equal(TimeSpan.FromMinutes(30), sub.Range);
        Assert.Equal(TimeSpan.FromMinutes(1), sub.Step);
        var rate = Assert.IsType<Call>(sub.Inner);
        var offset = Assert.IsType<Modified>(rate.Args[0]);
        Assert.Equal(TimeSpan.FromHours(1), offset.Offset);
        Assert.Equal(TimeSpan.FromMinutes(5), Assert.IsType<MatrixSelector>(offset.Inner).Range);
    }

    [Fact]
    public void Parse_AggregationWithGroupingAfter_RecordsGrouping()
    {
        var a = Assert.IsType<Aggregate>(Parser.Parse("topk(3, x) without (instance)"));
        Assert.Equal("topk", a.Operator);
        Assert.True(a.Without);
        Assert.Equal(["instance"], a.Grouping);
        Assert.IsType<NumberLiteral>(a.Parameter);
    }

    [Fact]
    public void Parse_VectorMatching_RecordsModifiers()
    {
        var b = Assert.IsType<Binary>(Parser.Parse("a * on (instance, job) group_left (nodename) b"));
        Assert.NotNull(b.Matching);
        Assert.True(b.Matching.On);
        Assert.Equal(["instance", "job"], b.Matching.Labels);
        Assert.Equal("group_left", b.Matching.Group);
        Assert.Equal(["nodename"], b.Matching.Include);
    }

    [Fact]
    public void Parse_SourceSlices_ReproduceTheOperands()
    {
        const string source = "sum by (job) (rate(x{a=\"b\"}[5m]))  >  0.8 * 2";
        var b = Assert.IsType<Binary>(Parser.Parse(source));
        Assert.Equal("sum by (job) (rate(x{a=\"b\"}[5m]))", b.Left.SourceIn(source));
        Assert.Equal("0.8 * 2", b.Right.SourceIn(source));
    }
}

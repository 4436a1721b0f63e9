using System.Text.RegularExpressions;
using Promoter.Testing.Infrastructure;

namespace Promoter.Host.Tests.Docs;

/// <summary>
/// docs/plugins.md gives every plugin a block of logging event ids; this keeps the shipped plugins inside theirs and
/// free of duplicates, so that an event id names the code that wrote it.
/// </summary>
public sealed partial class EventIdSchemeTests
{
    public static TheoryData<string, int> Blocks => new()
    {
        { "Renderer.Prometheus", 5000 }, { "Renderer.Grafana", 5100 },
        { "Storage.LocalNginx", 6100 }, { "Storage.S3", 6200 }, { "Storage.AzureBlob", 6300 },
        { "Channel.DingTalk", 8100 }, { "Channel.Discord", 8200 }, { "Channel.Email", 8300 }, { "Channel.Feishu", 8400 },
        { "Channel.Slack", 8500 }, { "Channel.Teams", 8600 }, { "Channel.Telegram", 8700 }, { "Channel.WeCom", 8800 },
        { "Channel.Webhook", 8900 },
    };

    [Theory]
    [MemberData(nameof(Blocks))]
    public void LoggerMessages_ShippedPlugin_IdsInItsBlockAndUnique(string plugin, int block)
    {
        var ids = EventIds(Path.Combine(TestPaths.RepositoryRoot, "plugins", plugin));

        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.InRange(id, block, block + 99));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Blocks_EveryShippedPlugin_HasOne()
    {
        var folders = Directory.GetDirectories(Path.Combine(TestPaths.RepositoryRoot, "plugins"))
            .Where(d => File.Exists(Path.Combine(d, "plugin.json"))).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        var listed = Blocks.Select(row => (string)row[0]).Order(StringComparer.Ordinal);

        Assert.Equal(listed, folders);
    }

    private static List<int> EventIds(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => LoggerMessageId().Matches(File.ReadAllText(f)))
            .Select(m => int.Parse(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();

    [GeneratedRegex(@"\[LoggerMessage\((?:(\d+)\s*,|[^\]]*?EventId\s*=\s*(\d+))")]
    private static partial Regex LoggerMessageId();
}

using Promoter.Abstractions.Model;

namespace Promoter.Testing.Infrastructure;

/// <summary>Alert groups from this repository's tests/testdata (the packaged kit ships only the samples it needs).</summary>
public static class RepoAlertGroups
{
    /// <summary>Loads a webhook body from tests/testdata (for example "alertmanager-0.25", "firing-single.json").</summary>
    public static AlertGroup Load(params string[] relative) =>
        Channels.AlertGroupSamples.Parse(File.ReadAllText(TestPaths.TestData(relative)));
}

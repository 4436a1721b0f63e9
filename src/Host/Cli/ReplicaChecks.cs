using Promoter.Host.Configuration;

namespace Promoter.Host.Cli;

/// <summary>What check-config says about a replicated setup (state on PostgreSQL) beyond the errors.</summary>
internal static class ReplicaChecks
{
    /// <summary>
    /// With replicas, a chart drawn by one replica is served (or read back for a re-send) by any other: a local image
    /// store whose folder only its own replica sees gives broken image links. S3 or Azure Blob stores are shared by
    /// nature; a local store is only when its folder is on a volume every replica mounts, which the operator states
    /// with <c>state.shared_volume: true</c>.
    /// </summary>
    public static IEnumerable<string> Warnings(HostSettings settings)
    {
        if (settings.PostgresConnectionString is null || settings.ImagesOnSharedVolume)
        {
            yield break;
        }

        foreach (var store in settings.Stores.Where(s => s.Type == "local"))
        {
            yield return $"stores.{store.Name}: a local image store with state on PostgreSQL (several replicas): each replica " +
                "keeps its own folder, so a chart drawn by one is missing on the others. Use an s3 (or azure_blob) store, or put " +
                "the folder on a volume every replica mounts (ReadWriteMany) and set state.shared_volume: true.";
        }
    }
}

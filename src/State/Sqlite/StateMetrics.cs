using System.Diagnostics.Metrics;

namespace Promoter.State.Sqlite;

/// <summary>Instruments of the state database, under the meter every Promoter component shares ("Promoter").
/// Queue depth and age come from <see cref="IStateStore.GetQueueStatsAsync"/>, exported by the host.</summary>
internal static class StateMetrics
{
    private static readonly Meter Meter = new("Promoter");

    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "promoter_state_commit_duration_seconds", unit: "s",
        description: "Time of one state database transaction (a group of writes), fsync included.");

    public static readonly Histogram<int> WritesPerCommit = Meter.CreateHistogram<int>(
        "promoter_state_writes_per_commit",
        description: "Writes (intakes, claims, outcomes) committed together by one state database transaction.");

    public static readonly Counter<long> CommitFailures = Meter.CreateCounter<long>(
        "promoter_state_commit_failures_total",
        description: "State database transactions that failed (locked, disk full, I/O error).");
}

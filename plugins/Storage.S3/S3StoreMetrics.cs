using System.Diagnostics.Metrics;

namespace Promoter.Storage.S3;

/// <summary>Counters under the "Promoter" meter, tagged with the store's name.</summary>
internal sealed class S3StoreMetrics
{
    private readonly Counter<long> _saves;
    private readonly Counter<long> _deleted;
    private readonly KeyValuePair<string, object?> _store;

    public S3StoreMetrics(IMeterFactory? meterFactory, string storeName)
    {
        var meter = meterFactory?.Create("Promoter") ?? new Meter("Promoter");
        _saves = meter.CreateCounter<long>("promoter.store.saves", unit: "{image}",
            description: "Images given to a store, by outcome: written, existing (same content already stored), rejected, failed.");
        _deleted = meter.CreateCounter<long>("promoter.store.deleted", unit: "{image}",
            description: "Images deleted by the retention sweep.");
        _store = new("store", storeName);
    }

    public void Saved(string outcome) =>
        _saves.Add(1, _store, new KeyValuePair<string, object?>("type", "s3"), new KeyValuePair<string, object?>("outcome", outcome));

    public void Deleted(int count) => _deleted.Add(count, _store, new KeyValuePair<string, object?>("type", "s3"));
}

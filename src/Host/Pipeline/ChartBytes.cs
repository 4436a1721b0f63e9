using System.Collections.Concurrent;

namespace Promoter.Host.Pipeline;

/// <summary>
/// The bytes of freshly drawn charts, kept in memory for channels that upload images (Slack's bot mode, WeCom…)
/// when the chart has no public URL, for the time a group's deliveries normally take and within a memory cap: a
/// burst of a thousand groups must not hold a hundred megabytes of PNGs. Past either limit a delivery reads the
/// image back from its store.
/// </summary>
internal sealed class ChartBytes(TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private const long Cap = 32L * 1024 * 1024;

    private readonly ConcurrentDictionary<long, (DateTimeOffset At, Dictionary<int, ReadOnlyMemory<byte>> Bytes)> _groups = new();
    private long _total;

    /// <summary>Image bytes held now (for tests and diagnostics).</summary>
    public long Held => Interlocked.Read(ref _total);

    /// <summary>Keeps the bytes of a group's images, by index in the group's saved image list.</summary>
    public void Keep(long groupId, Dictionary<int, ReadOnlyMemory<byte>> bytes)
    {
        if (bytes.Count == 0)
        {
            return;
        }

        _groups[groupId] = (time.GetUtcNow(), bytes);
        if (Interlocked.Add(ref _total, bytes.Values.Sum(b => (long)b.Length)) > Cap)
        {
            foreach (var (id, _) in _groups.OrderBy(e => e.Value.At).ToList())
            {
                if (Interlocked.Read(ref _total) <= Cap * 3 / 4)
                {
                    break;
                }

                Forget(id);
            }
        }
    }

    public bool TryGet(long groupId, int index, out ReadOnlyMemory<byte> bytes)
    {
        bytes = default;
        return _groups.TryGetValue(groupId, out var entry) && entry.Bytes.TryGetValue(index, out bytes);
    }

    public bool Contains(long groupId) => _groups.ContainsKey(groupId);

    /// <summary>Drops what has been kept longer than its lifetime.</summary>
    public void Sweep()
    {
        var cutoff = time.GetUtcNow() - Lifetime;
        foreach (var (id, entry) in _groups)
        {
            if (entry.At < cutoff)
            {
                Forget(id);
            }
        }
    }

    private void Forget(long groupId)
    {
        if (_groups.TryRemove(groupId, out var entry))
        {
            Interlocked.Add(ref _total, -entry.Bytes.Values.Sum(b => (long)b.Length));
        }
    }
}

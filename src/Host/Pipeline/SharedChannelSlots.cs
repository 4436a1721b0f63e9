using Promoter.State;

namespace Promoter.Host.Pipeline;

/// <summary>
/// The send slots rate-limited channels share across replicas, when the state store offers them (PostgreSQL); null
/// with SQLite, where one process owns the state and <see cref="ChannelPacing"/>'s plan in memory is the whole truth.
/// </summary>
internal sealed class SharedChannelSlots(IChannelSlots? slots)
{
    public IChannelSlots? Slots { get; } = slots;
}

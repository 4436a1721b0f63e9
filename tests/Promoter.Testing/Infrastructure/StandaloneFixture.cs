using Xunit;

namespace Promoter.Testing.Infrastructure;

/// <summary>Starts an xunit fixture outside xunit (the end-to-end tests own several servers at once).</summary>
public static class StandaloneFixture
{
    /// <summary>Initialises a new <typeparamref name="T"/>; if that fails, whatever it started is disposed before the error propagates.</summary>
    public static async Task<T> StartAsync<T>() where T : IAsyncLifetime, new()
    {
        var fixture = new T();
        try
        {
            await fixture.InitializeAsync();
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }

        return fixture;
    }
}

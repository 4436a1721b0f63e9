using Promoter.Testing.Infrastructure;

namespace Promoter.Storage.AzureBlob.Tests;

/// <summary>
/// One Azurite for every test class that needs it: a Node.js process with ~500 modules takes seconds to start on a
/// loaded machine, and the classes keep apart by container and prefix.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteServer>
{
    public const string Name = "azurite";
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Storage;
using Promoter.Plugins.Sdk;

namespace Promoter.Example.Store;

/// <summary>
/// <c>type: examplestore</c>. <see cref="Prepare"/> checks the settings (the host calls it at check-config, startup and
/// reload), <see cref="Build"/> makes the store for a section that passed.
/// </summary>
internal sealed class PutImageStoreFactory : ImageStoreFactory<PutImageStoreOptions>
{
    internal const string HttpClientName = "promoter.example.store";

    public override string Type => "examplestore";

    protected override PutImageStoreOptions? Prepare(StoreSetup setup) => PutImageStoreOptions.Read(setup.Settings);

    protected override IImageStore Build(PutImageStoreOptions prepared, StoreSetup setup)
    {
        var logger = (setup.Services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Example.Store");
        var http = new ChannelHttp(setup.Services, HttpClientName, prepared.Timeout, new SecretRedactor(setup.Settings.Secrets));
        return new PutImageStore(setup.Name, prepared, http, logger);
    }
}

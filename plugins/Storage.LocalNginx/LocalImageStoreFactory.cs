using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.LocalNginx;

internal sealed class LocalImageStoreFactory : ImageStoreFactory<LocalStoreOptions>
{
    public override string Type => "local";

    protected override LocalStoreOptions? Prepare(StoreSetup setup) => LocalStoreOptions.Read(setup);

    protected override IImageStore Build(LocalStoreOptions options, StoreSetup setup)
    {
        var services = setup.Services;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Storage.Local");
        var store = new LocalImageStore(setup.Name, options, time, logger);
        return options.PublicUrl is null ? new HostServedImageStore(store) : store;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.LocalNginx;

internal sealed class LocalImageStoreFactory : IImageStoreFactory
{
    public string Type => "local";

    public IImageStore Create(StoreSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = LocalStoreOptions.Read(setup);
        var services = setup.Services;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Storage.Local");
        var store = new LocalImageStore(setup.Name, options, time, logger);
        return options.PublicUrl is null ? new HostServedImageStore(store) : store;
    }
}

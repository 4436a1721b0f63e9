using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.S3;

internal sealed class S3ImageStoreFactory : IImageStoreFactory
{
    public string Type => "s3";

    public IImageStore Create(StoreSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = S3StoreOptions.Read(setup.Settings);
        var services = setup.Services;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Storage.S3");
        return new S3ImageStore(setup.Name, options, time, logger, services.GetService<IHttpClientFactory>());
    }
}

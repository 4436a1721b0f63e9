using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.S3;

internal sealed class S3ImageStoreFactory : ImageStoreFactory<S3StoreOptions>
{
    public override string Type => "s3";

    protected override S3StoreOptions? Prepare(StoreSetup setup) => S3StoreOptions.Read(setup.Settings);

    protected override IImageStore Build(S3StoreOptions options, StoreSetup setup)
    {
        var services = setup.Services;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Promoter.Storage.S3");
        return new S3ImageStore(setup.Name, options, time, logger, services.GetService<IHttpClientFactory>());
    }
}

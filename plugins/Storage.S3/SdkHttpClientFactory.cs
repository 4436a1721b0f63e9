using Amazon.Runtime;

namespace Promoter.Storage.S3;

/// <summary>
/// Gives the AWS SDK its HttpClients from the host's <see cref="IHttpClientFactory"/>, so that the host's
/// handler settings (proxy, DNS refresh, connection lifetime) apply to S3 traffic too.
/// </summary>
internal sealed class SdkHttpClientFactory(IHttpClientFactory factory) : HttpClientFactory
{
    public const string ClientName = "Promoter.Storage.S3";

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        var client = factory.CreateClient(ClientName);
        if (clientConfig.Timeout is { } timeout)
        {
            client.Timeout = timeout;
        }

        return client;
    }

    // IHttpClientFactory pools the handlers; an HttpClient from it is cheap and disposing it leaves the
    // handler alone, so the SDK need not cache it.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;
}

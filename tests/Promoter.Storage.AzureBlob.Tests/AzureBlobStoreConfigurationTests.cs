using Azure;
using Promoter.Testing.Storage;

namespace Promoter.Storage.AzureBlob.Tests;

public sealed class AzureBlobStoreConfigurationTests
{
    private const string Key = "Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktZm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXk=";

    private static StoreSetupBuilder Valid() => new StoreSetupBuilder()
        .Set("account_url", "https://promoteralerts.blob.core.windows.net")
        .Set("account_key", Key)
        .Set("container", "alerts");

    [Fact]
    public void Create_SharedKey_HasNoErrorsAndReadsTheAccountFromTheHostName()
    {
        Assert.Empty(Valid().Errors(new AzureBlobImageStoreFactory()));
        var options = AzureBlobStoreOptions.Read(Valid().Build(out _).Settings);
        Assert.Equal("promoteralerts", options.AccountName);
        Assert.Equal(AzureBlobLinks.Sas, options.Links);
        Assert.Equal(TimeSpan.FromDays(7), options.SasExpiry);
        Assert.True(options.CreateContainer);
    }

    [Theory]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1", "devstoreaccount1")]
    [InlineData("http://localhost:10000/devstoreaccount1/", "devstoreaccount1")]
    [InlineData("https://acct2.blob.core.chinacloudapi.cn", "acct2")]
    [InlineData("https://acct3.privatelink.blob.core.windows.net/", "acct3")]
    public void AccountNameFromUrl_ServiceOrPathStyleUrl_FindsTheAccount(string url, string expected) =>
        Assert.Equal(expected, AzureBlobStoreOptions.AccountNameFromUrl(new Uri(url)));

    [Fact]
    public void Create_SasTokenWithoutPublicLinks_SaysLinksNeedTheAccountKey()
    {
        var builder = Valid().Set("account_key", null).Set("sas", "sv=2025-01-05&sp=rcw&sr=c&sig=abc");

        var error = Assert.Single(builder.Errors(new AzureBlobImageStoreFactory()));

        Assert.Equal("stores.test-store.links", error.Path);
        Assert.Contains("links: public", error.ToString(), StringComparison.Ordinal);
        Assert.False(AzureBlobStoreOptions.Read(builder.Build(out _).Settings).CreateContainer); // a SAS rarely may create containers
    }

    [Fact]
    public void Create_SasLinksWithPublicUrl_SaysTheyExcludeEachOther()
    {
        var error = Assert.Single(Valid().Set("public_url", "https://cdn.example.com/alerts").Set("links", "sas").Errors(new AzureBlobImageStoreFactory()));

        Assert.Equal("stores.test-store.links", error.Path);
        Assert.Contains("exclude each other", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ConnectionString_ReadsAccountAndEndpointAndNeedsNoAccountUrl()
    {
        var builder = new StoreSetupBuilder().Set("container", "alerts")
            .Set("connection_string", $"DefaultEndpointsProtocol=https;AccountName=promoteralerts;AccountKey={Key};EndpointSuffix=core.windows.net");

        Assert.Empty(builder.Errors(new AzureBlobImageStoreFactory()));
        var options = AzureBlobStoreOptions.Read(new StoreSetupBuilder().Set("container", "alerts")
            .Set("connection_string", $"AccountName=promoteralerts;AccountKey={Key}").Build(out _).Settings);
        Assert.Equal("promoteralerts", options.AccountName);
        Assert.Equal(new Uri("https://promoteralerts.blob.core.windows.net"), options.AccountUrl);
    }

    [Theory]
    [InlineData("container", null, "'container' is required")]
    [InlineData("container", "Alerts_Container", "not a container name")]
    [InlineData("container", "a--b", "not a container name")]
    [InlineData("account_url", "blob.core.windows.net", "absolute http(s) URL")]
    [InlineData("account_url", "https://acct.blob.core.windows.net/?sv=2025&sig=x", "query string")]
    [InlineData("account_key", "not base64!", "not base64")]
    [InlineData("account_key", null, "no credentials")]
    [InlineData("sas", "sv=2025-01-05&sp=r&sig=x", "'account_key' and 'sas' are both set")]
    [InlineData("connection_string", "AccountName=a;AccountKey=k", "'account_key' and 'connection_string' are both set")]
    [InlineData("links", "anonymous", "one of")]
    [InlineData("sas_expiry", "400d", "out of range")]
    [InlineData("service_version", "2099-01-01", "not a Blob service version")]
    [InlineData("timeout", "forever", "duration")]
    [InlineData("prefix", "a/../b", "prefix")]
    [InlineData("max_size", "1GiB", "max_size")]
    [InlineData("containr", "alerts", "did you mean 'container'")]
    public void Create_BadSetting_ReportsTheSettingAndHowToFixIt(string key, string? value, string expected)
    {
        var builder = Valid().Set(key, value);

        var errors = builder.Errors(new AzureBlobImageStoreFactory());

        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.ToString().Contains(expected, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.DoesNotContain(Key, e.ToString(), StringComparison.Ordinal));
        Assert.All(errors, e => Assert.DoesNotContain("sig=x", e.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("AccountName=a;AccountKey", "Name=value pairs")]
    [InlineData("UseDevelopmentStorage=true", "BlobEndpoint")]
    [InlineData("DefaultEndpointsProtocol=https;EndpointSuffix=core.windows.net", "names no Blob endpoint")]
    [InlineData("AccountName=promoteralerts;AccountKey=%%%", "AccountKey is not base64")]
    [InlineData("BlobEndpoint=ftp://x;SharedAccessSignature=sv=1&sig=2", "BlobEndpoint is not an absolute http(s) URL")]
    public void Create_BadConnectionString_SaysWhatIsWrongWithoutShowingIt(string connectionString, string expected)
    {
        var builder = new StoreSetupBuilder().Set("container", "alerts").Set("connection_string", connectionString);

        var errors = builder.Errors(new AzureBlobImageStoreFactory());

        Assert.Contains(errors, e => e.Path == "stores.test-store.connection_string" && e.ToString().Contains(expected, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.DoesNotContain(connectionString, e.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("AuthenticationFailed", 403, "authentication failed")]
    [InlineData("AuthorizationPermissionMismatch", 403, "access denied")]
    [InlineData("AuthorizationFailure", 403, "'account_key'")]
    [InlineData("AuthorizationFailure", 403, "firewall")]
    [InlineData("AuthorizationSourceIPMismatch", 403, "IP address")]
    [InlineData("ContainerNotFound", 404, "'container'")]
    [InlineData("PublicAccessNotPermitted", 409, "links: sas")]
    [InlineData("ContainerBeingDeleted", 409, "being deleted")]
    [InlineData("InvalidHeaderValue", 400, "newer release")]
    [InlineData("ServerBusy", 503, "503 ServerBusy")]
    public void Translate_BlobErrorCode_NamesTheSettingToCheckAndNotTheServiceMessage(string code, int status, string expected)
    {
        // Shared Key, SAS and container errors are also produced by Azurite in AzureBlobImageStoreTests; codes it
        // cannot produce (firewall, public access disabled on the account) are checked on the translation itself.
        var options = AzureBlobStoreOptions.Read(Valid().Build(out _).Settings);
        var error = new RequestFailedException(status, "service message with the string-to-sign", code, null);

        var translated = AzureBlobErrorTranslator.Translate(error, "az", options, "store an image");

        Assert.Contains(expected, translated.Message, StringComparison.Ordinal);
        Assert.StartsWith("image store 'az' could not store an image: ", translated.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("string-to-sign", translated.ToString(), StringComparison.Ordinal);
        Assert.Null(translated.InnerException);
    }
}

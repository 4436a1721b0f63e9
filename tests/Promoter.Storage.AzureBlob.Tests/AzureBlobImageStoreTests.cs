using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Promoter.Abstractions.Storage;
using Promoter.Testing.Infrastructure;
using Promoter.Testing.Storage;

namespace Promoter.Storage.AzureBlob.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobImageStoreTests
{
    private readonly AzuriteServer _azurite;

    public AzureBlobImageStoreTests(AzuriteServer azurite) => _azurite = azurite;

    private static string NewContainer() => "t-" + Guid.NewGuid().ToString("N")[..12];

    private StoreSetupBuilder Setup(string? container = null, string? prefix = null) => new StoreSetupBuilder()
        .Set("account_url", _azurite.AccountUrl.ToString())
        .Set("account_key", AzuriteServer.AccountKey)
        .Set("container", container ?? "alerts")
        .Set("max_retries", "0")
        .Set("prefix", prefix ?? "t-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A client of the test's own, so that what the store wrote is read back independently of it.</summary>
    private BlobServiceClient Reader() => new(_azurite.ConnectionString, new BlobClientOptions(AzureBlobStoreOptions.DefaultServiceVersion));

    private async Task<byte[]> ReadBackAsync(string container, string blobName)
    {
        var content = await Reader().GetBlobContainerClient(container).GetBlobClient(blobName).DownloadContentAsync();
        return content.Value.Content.ToArray();
    }

    private async Task<bool> ExistsAsync(string container, string blobName) =>
        (await Reader().GetBlobContainerClient(container).GetBlobClient(blobName).ExistsAsync()).Value;

    [Fact]
    public async Task SaveAsync_Png_BlobReadBackHasTheSameBytesUnderADatedContentHashName()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 23, 59, 0, TimeSpan.Zero));
        var container = NewContainer();
        var store = Setup(container, "charts/prod").Service<TimeProvider>(clock).Create(new AzureBlobImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal($"charts/prod/2026/11/21/{Convert.ToHexStringLower(SHA256.HashData(png))}.png", stored.Key);
        Assert.Equal(png, await ReadBackAsync(container, stored.Key));
        var properties = await Reader().GetBlobContainerClient(container).GetBlobClient(stored.Key).GetPropertiesAsync();
        Assert.Equal("image/png", properties.Value.ContentType);
        Assert.Equal(png, await ((IImageReader)store).ReadAsync(stored.Key, CancellationToken.None));
    }

    [Fact]
    public async Task SaveAsync_SameImageAgain_IsNotUploadedAgainEvenByAnotherReplica()
    {
        var png = SampleImages.Png(Random.Shared.Next());
        var prefix = "idem-" + Guid.NewGuid().ToString("N")[..8];
        var replicaA = Setup("alerts", prefix).Create(new AzureBlobImageStoreFactory());
        var replicaB = Setup("alerts", prefix).Create(new AzureBlobImageStoreFactory());

        var first = await replicaA.SaveAsync(png, "image/png", CancellationToken.None);
        var again = await replicaA.SaveAsync(png, "image/png", CancellationToken.None);
        var other = await replicaB.SaveAsync(png, "image/png", CancellationToken.None); // no cache: If-None-Match refuses

        Assert.Equal(first.Key, again.Key);
        Assert.Equal(first.Key, other.Key);
        Assert.Equal(1, _azurite.CreatedCount("alerts", first.Key));
        Assert.Equal(png, await ReadBackAsync("alerts", other.Key));
    }

    [Fact]
    public async Task SaveAsync_SasLink_ExpiresAsConfiguredAndServesTheBytesWhileTheBlobUrlAloneIsRefused()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var store = Setup().Set("sas_expiry", "2h").Service<TimeProvider>(clock).Create(new AzureBlobImageStoreFactory());
        var png = SampleImages.ChartPng;

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromHours(2), stored.ExpiresAt);
        var query = System.Web.HttpUtility.ParseQueryString(stored.Url.Query);
        Assert.Equal("r", query["sp"]); // read only: the link cannot overwrite or delete
        Assert.Equal("b", query["sr"]); // this one blob, not the container
        var expires = DateTimeOffset.Parse(query["se"]!, CultureInfo.InvariantCulture);
        Assert.InRange(expires, stored.ExpiresAt!.Value.AddSeconds(-1), stored.ExpiresAt.Value.AddSeconds(1));
        Assert.DoesNotContain(AzuriteServer.AccountKey, stored.Url.ToString(), StringComparison.Ordinal);
        using var response = await _azurite.Http.GetAsync(stored.Url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
        using var anonymous = await _azurite.Http.GetAsync(stored.Url.GetLeftPart(UriPartial.Path));
        Assert.NotEqual(HttpStatusCode.OK, anonymous.StatusCode);
    }

    [Fact]
    public async Task SaveAsync_SasLinkPastItsExpiry_IsRefusedByTheService()
    {
        // The store's clock is 3 hours behind: a 1h link it signs has already expired for the service.
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(3));
        var store = Setup().Set("sas_expiry", "1h").Service<TimeProvider>(clock).Create(new AzureBlobImageStoreFactory());

        var stored = await store.SaveAsync(SampleImages.Png(Random.Shared.Next()), "image/png", CancellationToken.None);

        using var response = await _azurite.Http.GetAsync(stored.Url);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task SaveAsync_WrongAccountKey_AuthenticationFailureNamesTheKeySettingWithoutShowingIt()
    {
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var store = Setup().Set("account_key", wrongKey).Create(new AzureBlobImageStoreFactory());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(SampleImages.Png(1), "image/png", CancellationToken.None));

        Assert.True(e.Message.StartsWith("image store 'test-store' could not store an image: authentication failed", StringComparison.Ordinal), e.Message);
        Assert.Contains("'account_key'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_SasTokenWithABadSignature_AuthenticationFailureNamesTheSasSetting()
    {
        var sas = ContainerSas("alerts", BlobContainerSasPermissions.All);
        var forged = sas[..(sas.IndexOf("sig=", StringComparison.Ordinal) + 4)] + Uri.EscapeDataString(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var store = Setup().Set("account_key", null).Set("sas", forged).Set("links", "public").Create(new AzureBlobImageStoreFactory());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(SampleImages.Png(2), "image/png", CancellationToken.None));

        Assert.True(e.Message.Contains("authentication failed", StringComparison.Ordinal), e.Message);
        Assert.Contains("'sas'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(forged, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_SasTokenFromFileIntoAPublicContainer_UploadsAndThePlainBlobUrlServesIt()
    {
        var container = NewContainer();
        await Reader().GetBlobContainerClient(container).CreateAsync(PublicAccessType.Blob);
        var dir = TestPaths.NewTempDirectory();
        await File.WriteAllTextAsync(Path.Combine(dir, "sas"), "?" + ContainerSas(container, BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Write | BlobContainerSasPermissions.Read) + "\n");
        var builder = Setup(container).Set("account_key", null).Set("sas_file", Path.Combine(dir, "sas")).Set("links", "public");
        builder.ReadSecretFile = File.ReadAllText;
        var store = builder.Create(new AzureBlobImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal(new Uri($"{_azurite.AccountUrl}/{container}/{stored.Key}"), stored.Url);
        Assert.Empty(stored.Url.Query);
        Assert.Null(stored.ExpiresAt);
        Assert.Equal(png, await _azurite.Http.GetByteArrayAsync(stored.Url));
    }

    [Fact]
    public async Task SaveAsync_SasWithoutWritePermission_AccessDeniedNamesThePermissionsNeeded()
    {
        var container = NewContainer();
        await Reader().GetBlobContainerClient(container).CreateAsync();
        var store = Setup(container).Set("account_key", null).Set("sas", ContainerSas(container, BlobContainerSasPermissions.Read)).Set("links", "public")
            .Create(new AzureBlobImageStoreFactory());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(SampleImages.Png(3), "image/png", CancellationToken.None));

        Assert.True(e.Message.Contains("access denied", StringComparison.Ordinal), e.Message);
        Assert.Contains("sp=rcwld", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_ConnectionStringFromFile_UploadsAndSignsLinks()
    {
        var dir = TestPaths.NewTempDirectory();
        await File.WriteAllTextAsync(Path.Combine(dir, "cs"), _azurite.ConnectionString);
        var builder = Setup().Set("account_url", null).Set("account_key", null).Set("connection_string_file", Path.Combine(dir, "cs"));
        builder.ReadSecretFile = File.ReadAllText;
        var store = builder.Create(new AzureBlobImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Contains("sig=", stored.Url.Query, StringComparison.Ordinal);
        Assert.Equal(png, await _azurite.Http.GetByteArrayAsync(stored.Url));
    }

    [Fact]
    public async Task SaveAsync_MissingContainerAndCreationAllowed_CreatesItPrivate()
    {
        var container = NewContainer();
        var store = Setup(container).Create(new AzureBlobImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal(png, await ReadBackAsync(container, stored.Key));
        var properties = await Reader().GetBlobContainerClient(container).GetPropertiesAsync();
        Assert.Equal(PublicAccessType.None, properties.Value.PublicAccess);
    }

    [Fact]
    public async Task SaveAsync_MissingContainerWithPublicLinks_CreatesItForAnonymousBlobReadsOnly()
    {
        var container = NewContainer();
        var store = Setup(container).Set("links", "public").Create(new AzureBlobImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal(png, await _azurite.Http.GetByteArrayAsync(stored.Url));
        using var listing = await _azurite.Http.GetAsync($"{_azurite.AccountUrl}/{container}?restype=container&comp=list");
        Assert.NotEqual(HttpStatusCode.OK, listing.StatusCode); // blob access, not container access: no anonymous listing
    }

    [Fact]
    public async Task SaveAsync_MissingContainerAndCreationNotAllowed_NamesTheContainerSetting()
    {
        var container = NewContainer();
        var store = Setup(container).Set("create_container", "false").Create(new AzureBlobImageStoreFactory());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(SampleImages.Png(4), "image/png", CancellationToken.None));

        Assert.Contains($"container '{container}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("create_container", e.Message, StringComparison.Ordinal);
        Assert.False(await Reader().GetBlobContainerClient(container).ExistsAsync());
    }

    [Fact]
    public async Task SaveAsync_PublicUrl_LinksUnderTheConfiguredBase()
    {
        var store = Setup().Set("public_url", "https://cdn.example.com/alerts/").Create(new AzureBlobImageStoreFactory());

        var stored = await store.SaveAsync(SampleImages.Png(Random.Shared.Next()), "image/png", CancellationToken.None);

        Assert.Equal(new Uri("https://cdn.example.com/alerts/" + stored.Key), stored.Url);
        Assert.Null(stored.ExpiresAt);
    }

    [Fact]
    public async Task SaveAsync_NothingListens_SaysTheAccountUrlCannotBeReached()
    {
        var store = Setup().Set("account_url", $"http://127.0.0.1:{FreePort.Next()}/{AzuriteServer.AccountName}").Set("timeout", "5s")
            .Create(new AzureBlobImageStoreFactory());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(SampleImages.Png(5), "image/png", CancellationToken.None));

        Assert.Contains("cannot reach", e.Message, StringComparison.Ordinal);
        Assert.Contains("'account_url'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_NameTheStoreDidNotGiveOut_ReturnsNullWithoutAsking()
    {
        var prefix = "read-" + Guid.NewGuid().ToString("N")[..8];
        var store = (IImageReader)Setup("alerts", prefix).Create(new AzureBlobImageStoreFactory());
        await Reader().GetBlobContainerClient("alerts").CreateIfNotExistsAsync();
        await Reader().GetBlobContainerClient("alerts").UploadBlobAsync(prefix + "/notes.txt", BinaryData.FromString("not ours"));

        Assert.Null(await store.ReadAsync(prefix + "/notes.txt", CancellationToken.None));
        Assert.Null(await store.ReadAsync(prefix + "/2026/01/01/" + new string('a', 64) + ".png", CancellationToken.None));
    }

    [Fact]
    public async Task DeleteOlderThanAsync_DeletesOnlyOurBlobsFromDaysBeforeTheCutoff()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));
        var container = NewContainer();
        var store = Setup(container, "ret").Service<TimeProvider>(clock).Create(new AzureBlobImageStoreFactory());
        var old = await store.SaveAsync(SampleImages.Png(Random.Shared.Next()), "image/png", CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(3));
        var recent = await store.SaveAsync(SampleImages.Svg(Random.Shared.Next()), "image/svg+xml", CancellationToken.None);
        var client = Reader().GetBlobContainerClient(container);
        await client.UploadBlobAsync("ret/2020/01/01/notes.txt", BinaryData.FromString("not ours"));
        await client.UploadBlobAsync("other/2020/01/01/" + new string('b', 64) + ".png", BinaryData.FromBytes(SampleImages.Png(9)));

        var removed = await ((IImageRetention)store).DeleteOlderThanAsync(clock.GetUtcNow() - TimeSpan.FromDays(2), CancellationToken.None);

        Assert.Equal(1, removed);
        var left = new List<string>();
        await foreach (var item in client.GetBlobsAsync())
        {
            left.Add(item.Name);
        }

        Assert.Equal(new[] { "other/2020/01/01/" + new string('b', 64) + ".png", "ret/2020/01/01/notes.txt", recent.Key }.Order(StringComparer.Ordinal), left.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Retention_HostSweepWithTheStoresRetention_DeletesOnlyWholeDaysOlderThanIt()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));
        var container = NewContainer();
        var store = Setup(container).Set("retention", "2d").Service<TimeProvider>(clock).Create(new AzureBlobImageStoreFactory());
        var old = await store.SaveAsync(SampleImages.Png(Random.Shared.Next()), "image/png", CancellationToken.None);
        var retention = ((IImageRetention)store).Retention;
        // What the host's hourly sweep does (ImageRetentionSweep): delete what is older than now − retention.
        Task<int> Sweep() => ((IImageRetention)store).DeleteOlderThanAsync(clock.GetUtcNow() - retention!.Value, CancellationToken.None);

        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromHours(13));
        await Sweep();
        var kept = await ExistsAsync(container, old.Key);
        clock.Advance(TimeSpan.FromHours(12));
        var removed = await Sweep();

        Assert.Equal(TimeSpan.FromDays(2), retention);
        Assert.True(kept); // 2 days 13 hours after 08:00 on day 1 is 21:00 on day 3: day 1 ended only 1 day 21 hours ago
        Assert.Equal(1, removed);
        Assert.False(await ExistsAsync(container, old.Key));
    }

    [Fact]
    public async Task Retention_ContainerNotCreatedYet_SweepsNothingWithoutError()
    {
        var store = (IImageRetention)Setup(NewContainer()).Set("retention", "1d").Create(new AzureBlobImageStoreFactory());

        Assert.Equal(0, await store.DeleteOlderThanAsync(DateTimeOffset.UtcNow, CancellationToken.None));
    }

    [Fact]
    public void Retention_NotConfigured_HostDoesNotSweep() =>
        Assert.Null(((IImageRetention)Setup().Create(new AzureBlobImageStoreFactory())).Retention);

    private string ContainerSas(string container, BlobContainerSasPermissions permissions)
    {
        var builder = new BlobSasBuilder(permissions, DateTimeOffset.UtcNow.AddHours(1)) { BlobContainerName = container, Resource = "c" };
        return builder.ToSasQueryParameters(new StorageSharedKeyCredential(AzuriteServer.AccountName, AzuriteServer.AccountKey)).ToString();
    }
}

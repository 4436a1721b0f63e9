using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Promoter.Abstractions.Storage;
using Promoter.Testing.Infrastructure;
using Promoter.Testing.Storage;

namespace Promoter.Storage.S3.Tests;

public sealed class S3ImageStoreTests : IClassFixture<S3Server>
{
    private readonly S3Server _s3;

    public S3ImageStoreTests(S3Server s3) => _s3 = s3;

    private StoreSetupBuilder Setup(string? prefix = null) => new StoreSetupBuilder()
        .Set("endpoint", _s3.Endpoint.ToString())
        .Set("bucket", S3Server.Bucket)
        .Set("force_path_style", "true")
        .Set("access_key", S3Server.AccessKey)
        .Set("secret_key", S3Server.SecretKey)
        .Set("max_retries", "0")
        .Set("prefix", prefix ?? "t-" + Guid.NewGuid().ToString("N")[..8]);

    private AmazonS3Client Reader() => new(new BasicAWSCredentials(S3Server.AccessKey, S3Server.SecretKey),
        new AmazonS3Config { ServiceURL = _s3.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    private async Task<byte[]> ReadBackAsync(string key)
    {
        using var client = Reader();
        using var response = await client.GetObjectAsync(S3Server.Bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [Theory]
    [InlineData("when_required")]
    [InlineData("when_supported")]
    public async Task SaveAsync_Png_ObjectReadBackHasTheSameBytesUnderADatedContentHashKey(string checksums)
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 23, 59, 0, TimeSpan.Zero));
        var store = Setup("charts/prod").Set("checksum_calculation", checksums).Service<TimeProvider>(clock).Create(new S3ImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal($"charts/prod/2026/11/21/{Convert.ToHexStringLower(SHA256.HashData(png))}.png", stored.Key);
        Assert.Equal(png, await ReadBackAsync(stored.Key));
    }

    [Fact]
    public async Task SaveAsync_SameImageAgain_IsNotUploadedAgainEvenByAnotherReplica()
    {
        var png = SampleImages.Png(Random.Shared.Next());
        var prefix = "idem-" + Guid.NewGuid().ToString("N")[..8];
        var replicaA = Setup(prefix).Create(new S3ImageStoreFactory());
        var replicaB = Setup(prefix).Create(new S3ImageStoreFactory());

        var first = await replicaA.SaveAsync(png, "image/png", CancellationToken.None);
        var again = await replicaA.SaveAsync(png, "image/png", CancellationToken.None);
        var other = await replicaB.SaveAsync(png, "image/png", CancellationToken.None); // no cache: HEAD finds it

        Assert.Equal(first.Key, again.Key);
        Assert.Equal(first.Key, other.Key);
        Assert.Equal(1, _s3.StoredCount(first.Key));
    }

    [Theory]
    [InlineData(null, false)]   // the test server listens on 127.0.0.1: no chat service can fetch that
    [InlineData("true", true)]  // the operator says otherwise (a proxy, a chat service on the same network)
    public async Task SaveAsync_LoopbackEndpoint_LinksMarkedPrivateUnlessSaidPublic(string? publicSetting, bool expected)
    {
        var setup = Setup();
        if (publicSetting is not null)
        {
            setup.Set("public", publicSetting);
        }

        var store = setup.Create(new S3ImageStoreFactory());
        var stored = await store.SaveAsync(SampleImages.Png(Random.Shared.Next()), "image/png", CancellationToken.None);

        Assert.Equal(expected, stored.IsPublic);
        Assert.Equal(expected, store.UrlsArePublic);
    }

    [Fact]
    public async Task SaveAsync_Presigned_UrlExpiresAsConfiguredAndServesTheBytes()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var store = Setup().Set("presign_expiry", "2h").Service<TimeProvider>(clock).Create(new S3ImageStoreFactory());
        var png = SampleImages.ChartPng;

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromHours(2), stored.ExpiresAt);
        // The SDK counts the expiry from its own clock, a few milliseconds after the store's.
        var expiresIn = int.Parse(System.Web.HttpUtility.ParseQueryString(stored.Url.Query)["X-Amz-Expires"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiresIn, 7190, 7201);
        Assert.Contains("X-Amz-Signature=", stored.Url.Query, StringComparison.Ordinal);
        Assert.DoesNotContain(S3Server.SecretKey + "&", stored.Url.Query, StringComparison.Ordinal);
        using var response = await _s3.Http.GetAsync(stored.Url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public async Task ReadAsync_StoredImage_SameBytesBackWithTheStoresCredentials(string presign)
    {
        // What history pages use once a presigned link (at most 7 days) has expired: the store's own signed GET.
        var store = Setup().Set("presign", presign).Create(new S3ImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());
        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);
        var reader = Assert.IsAssignableFrom<IImageReader>(store);

        var bytes = await reader.ReadAsync(stored.Key, CancellationToken.None);

        Assert.Equal(png, bytes);
    }

    [Theory]
    [InlineData("{prefix}/2026/11/21/0000000000000000000000000000000000000000000000000000000000000000.png")] // well formed, never stored
    [InlineData("{prefix}/2020/01/01/notes.txt")] // in the bucket, not an image of ours
    [InlineData("other/2026/11/21/{hash}.png")] // outside the prefix
    [InlineData("{prefix}/../other/2026/11/21/{hash}.png")]
    [InlineData("")]
    public async Task ReadAsync_UnknownOrForeignKey_NullAndNothingOutsideThePrefixRead(string template)
    {
        var prefix = "rd-" + Guid.NewGuid().ToString("N")[..8];
        var png = SampleImages.Png(Random.Shared.Next());
        var hash = Convert.ToHexStringLower(SHA256.HashData(png));
        using var client = Reader();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = S3Server.Bucket, Key = prefix + "/2020/01/01/notes.txt", ContentBody = "not ours", UseChunkEncoding = false });
        await client.PutObjectAsync(new PutObjectRequest { BucketName = S3Server.Bucket, Key = $"other/2026/11/21/{hash}.png", InputStream = new MemoryStream(png), UseChunkEncoding = false });
        var reader = (IImageReader)Setup(prefix).Create(new S3ImageStoreFactory());

        var bytes = await reader.ReadAsync(template.Replace("{prefix}", prefix, StringComparison.Ordinal).Replace("{hash}", hash, StringComparison.Ordinal), CancellationToken.None);

        Assert.Null(bytes);
    }

    [Fact]
    public async Task ReadAsync_LargerThanMaxSize_Null()
    {
        var prefix = "big-" + Guid.NewGuid().ToString("N")[..8];
        var png = SampleImages.Png(Random.Shared.Next());
        var stored = await Setup(prefix).Create(new S3ImageStoreFactory()).SaveAsync(png, "image/png", CancellationToken.None);
        var small = (IImageReader)Setup(prefix).Set("max_size", "16").Create(new S3ImageStoreFactory());

        Assert.Null(await small.ReadAsync(stored.Key, CancellationToken.None));
    }

    [Fact]
    public async Task SaveAsync_PublicUrl_LinksUnderTheConfiguredBase()
    {
        var store = Setup("pub").Set("public_url", "https://cdn.example.com/alerts/").Create(new S3ImageStoreFactory());

        var stored = await store.SaveAsync(SampleImages.Png(Random.Shared.Next()), "image/png", CancellationToken.None);

        Assert.Equal(new Uri("https://cdn.example.com/alerts/" + stored.Key), stored.Url);
        Assert.Null(stored.ExpiresAt);
        Assert.True(stored.IsPublic);
    }

    [Fact]
    public async Task SaveAsync_UnsignedPathStyle_DirectUrlIsFetchable()
    {
        var store = Setup().Set("presign", "false").Create(new S3ImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal($"http://127.0.0.1:{_s3.Port}/{S3Server.Bucket}/{stored.Key}", stored.Url.ToString());
        Assert.Equal(png, await _s3.Http.GetByteArrayAsync(stored.Url));
    }

    [Fact]
    public async Task SaveAsync_VirtualHostedAddressing_UploadsToTheBucketHostAndDirectUrlIsFetchable()
    {
        using var clients = new LocalhostHttpClientFactory();
        using var http = clients.CreateClient("test");
        var store = Setup()
            .Service<IHttpClientFactory>(clients)
            .Set("endpoint", _s3.VirtualHostEndpoint.ToString())
            .Set("force_path_style", "false")
            .Set("presign", "false")
            .Create(new S3ImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal($"http://{S3Server.Bucket}.s3.localhost:{_s3.Port}/{stored.Key}", stored.Url.ToString());
        Assert.Equal(png, await ReadBackAsync(stored.Key));
        Assert.Equal(png, await http.GetByteArrayAsync(stored.Url));
    }

    [Fact]
    public async Task SaveAsync_KeysFromFiles_AreUsed()
    {
        var dir = TestPaths.NewTempDirectory();
        await File.WriteAllTextAsync(Path.Combine(dir, "ak"), S3Server.AccessKey + "\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "sk"), S3Server.SecretKey + "\n");
        var builder = Setup().Set("access_key", null).Set("secret_key", null)
            .Set("access_key_file", Path.Combine(dir, "ak")).Set("secret_key_file", Path.Combine(dir, "sk"));
        builder.ReadSecretFile = File.ReadAllText;
        var store = builder.Create(new S3ImageStoreFactory());
        var png = SampleImages.Png(Random.Shared.Next());

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        Assert.Equal(png, await ReadBackAsync(stored.Key));
    }

    [Fact]
    public async Task SaveAsync_UnknownAccessKey_SaysToCheckTheAccessKeyWithoutShowingTheSecret()
    {
        const string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        var store = Setup().Set("access_key", "AKIDNOTKNOWN").Set("secret_key", secret).Create(new S3ImageStoreFactory());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(SampleImages.Png(1), "image/png", CancellationToken.None));

        Assert.True(e.Message.Contains("'access_key'", StringComparison.Ordinal), e.Message);
        Assert.Contains("test-store", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_MissingBucket_NamesTheBucketSetting()
    {
        var store = Setup().Set("bucket", "no-such-bucket").Create(new S3ImageStoreFactory());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(SampleImages.Png(2), "image/png", CancellationToken.None));

        Assert.Contains("'no-such-bucket'", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("'bucket'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_NothingListens_SaysTheEndpointCannotBeReached()
    {
        var store = Setup().Set("endpoint", $"http://127.0.0.1:{FreePort.Next()}").Set("timeout", "5s").Create(new S3ImageStoreFactory());

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(SampleImages.Png(3), "image/png", CancellationToken.None));

        Assert.Contains("cannot reach", e.Message, StringComparison.Ordinal);
        Assert.Contains("'endpoint'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteOlderThanAsync_DeletesOnlyOurKeysFromDaysBeforeTheCutoff()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));
        var prefix = "ret-" + Guid.NewGuid().ToString("N")[..8];
        var store = Setup(prefix).Service<TimeProvider>(clock).Create(new S3ImageStoreFactory());
        var old = await store.SaveAsync(SampleImages.Png(Random.Shared.Next()), "image/png", CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(3));
        var recent = await store.SaveAsync(SampleImages.Svg(Random.Shared.Next()), "image/svg+xml", CancellationToken.None);
        using var client = Reader();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = S3Server.Bucket, Key = prefix + "/2020/01/01/notes.txt", ContentBody = "not ours", UseChunkEncoding = false });

        var removed = await ((IImageRetention)store).DeleteOlderThanAsync(clock.GetUtcNow() - TimeSpan.FromDays(2), CancellationToken.None);

        Assert.Equal(1, removed);
        var left = (await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3Server.Bucket, Prefix = prefix + "/" })).S3Objects.Select(o => o.Key).Order();
        Assert.Equal(new[] { prefix + "/2020/01/01/notes.txt", recent.Key }.Order(), left);
        Assert.DoesNotContain(old.Key, left);
    }

    [Fact]
    public async Task Retention_HostSweepWithTheStoresRetention_DeletesOnlyWholeDaysOlderThanIt()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero));
        var prefix = "sched-" + Guid.NewGuid().ToString("N")[..8];
        var store = (S3ImageStore)Setup(prefix).Set("retention", "2d").Service<TimeProvider>(clock).Create(new S3ImageStoreFactory());
        var old = await store.SaveAsync(SampleImages.Png(Random.Shared.Next()), "image/png", CancellationToken.None);
        var retention = ((IImageRetention)store).Retention;
        // What the host's hourly sweep does (ImageRetentionSweep): delete what is older than now − retention.
        Task<int> Sweep() => ((IImageRetention)store).DeleteOlderThanAsync(clock.GetUtcNow() - retention!.Value, CancellationToken.None);

        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromHours(13));
        await Sweep();
        var kept = await ExistsAsync(old.Key);
        clock.Advance(TimeSpan.FromHours(12));
        await Sweep();

        Assert.Equal(TimeSpan.FromDays(2), retention);
        Assert.True(kept); // 2 days 13 hours after 08:00 on day 1 is 21:00 on day 3: day 1 ended only 1 day 21 hours ago
        Assert.False(await ExistsAsync(old.Key));
        store.Dispose();
    }

    [Fact]
    public void Retention_NotConfigured_HostDoesNotSweep() =>
        Assert.Null(((IImageRetention)Setup("none").Create(new S3ImageStoreFactory())).Retention);

    private async Task<bool> ExistsAsync(string key)
    {
        using var client = Reader();
        try
        {
            await client.GetObjectMetadataAsync(S3Server.Bucket, key);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}

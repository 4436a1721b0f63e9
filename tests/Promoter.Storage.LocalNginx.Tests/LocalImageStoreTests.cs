using System.Net;
using System.Security.Cryptography;
using Promoter.Abstractions.Storage;
using Promoter.Testing.Infrastructure;
using Promoter.Testing.Storage;

namespace Promoter.Storage.LocalNginx.Tests;

public sealed class LocalImageStoreTests : IClassFixture<NginxServer>
{
    private readonly NginxServer _nginx;

    public LocalImageStoreTests(NginxServer nginx) => _nginx = nginx;

    private static StoreSetupBuilder Setup(string dir) => new StoreSetupBuilder().Set("dir", dir);

    [Fact]
    public async Task SaveAsync_Png_NamesTheFileBySha256AndLeavesNoTemporaryFile()
    {
        var dir = TestPaths.NewTempDirectory();
        var store = Setup(dir).Set("public_url", "https://images.example.com/saved-images").Create(new LocalImageStoreFactory());
        var png = SampleImages.ChartPng;

        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        var expected = Convert.ToHexStringLower(SHA256.HashData(png)) + ".png";
        Assert.Equal(expected, stored.Key);
        Assert.Equal(new Uri("https://images.example.com/saved-images/" + expected), stored.Url);
        Assert.True(stored.IsPublic);
        Assert.Equal([expected], Directory.GetFiles(dir).Select(Path.GetFileName));
        Assert.Equal(png, await File.ReadAllBytesAsync(Path.Combine(dir, expected)));
    }

    [Theory]
    [InlineData("0644", "rw-r--r--")]
    [InlineData("0640", "rw-r-----")]
    [InlineData("600", "rw-------")]
    [InlineData("0664", "rw-rw-r--")]
    public async Task SaveAsync_FileMode_IsAppliedExactly(string mode, string expected)
    {
        var dir = TestPaths.NewTempDirectory();
        var store = (IImageStore)Setup(dir).Set("public_url", "https://x.example/i").Set("file_mode", mode).Create(new LocalImageStoreFactory());

        var stored = await store.SaveAsync(SampleImages.Png(7), "image/png", CancellationToken.None);

        Assert.Equal(expected, Symbolic(File.GetUnixFileMode(Path.Combine(dir, stored.Key))));
    }

    [Theory]
    [InlineData("file_mode", "0x644", "octal")]
    [InlineData("file_mode", "0844", "octal")]
    [InlineData("file_mode", "0200", "read")]
    [InlineData("file_mode", "17777", "octal")]
    [InlineData("max_size", "ten megabytes", "size")]
    [InlineData("retention", "7 days", "duration")]
    [InlineData("public_url", "ftp://images.example.com/", "http")]
    [InlineData("public", "maybe", "true or false")]
    [InlineData("retenion", "7d", "did you mean 'retention'")]
    public void Create_BadSetting_ReportsTheKeyAndHowToFixIt(string key, string value, string expectedInError)
    {
        var errors = Setup(TestPaths.NewTempDirectory()).Set(key, value).Errors(new LocalImageStoreFactory());

        var error = Assert.Single(errors);
        Assert.Equal($"stores.test-store.{key}", error.Path);
        Assert.Contains(expectedInError, error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Create_WithoutPublicUrl_TheHostServesTheFolderAtImagesAndUrlsArePrivate()
    {
        var data = TestPaths.NewTempDirectory();
        var builder = new StoreSetupBuilder { DataDirectory = data, HostPublicUrl = new Uri("https://promoter.example.com/base/") };

        var store = builder.Create(new LocalImageStoreFactory());
        var stored = await store.SaveAsync(SampleImages.Png(8), "image/png", CancellationToken.None);

        var served = Assert.IsAssignableFrom<IHostServedImages>(store);
        Assert.Equal("/images", served.RequestPath);
        Assert.Equal(Path.Combine(data, "images"), served.DirectoryPath);
        Assert.True(File.Exists(Path.Combine(data, "images", stored.Key)));
        Assert.Equal(new Uri("https://promoter.example.com/base/images/" + stored.Key), stored.Url);
        Assert.False(stored.IsPublic);
    }

    [Fact]
    public async Task Create_WithoutPublicUrlButPublicTrue_UrlsArePublic()
    {
        var store = new StoreSetupBuilder { DataDirectory = TestPaths.NewTempDirectory(), HostPublicUrl = new Uri("https://promoter.example.com") }
            .Set("public", "true")
            .Create(new LocalImageStoreFactory());

        var stored = await store.SaveAsync(SampleImages.Png(9), "image/png", CancellationToken.None);

        Assert.True(stored.IsPublic);
        Assert.Equal("https://promoter.example.com/images/" + stored.Key, stored.Url.ToString());
    }

    [Theory]
    [InlineData(true, null, true)]
    [InlineData(true, "false", false)]
    [InlineData(false, null, false)]
    public async Task Create_HostServed_PublicWhenTheHostsPublicUrlIsSetUnlessSaidOtherwise(bool hostUrlIsPublic, string? publicSetting, bool expected)
    {
        var builder = new StoreSetupBuilder
        {
            DataDirectory = TestPaths.NewTempDirectory(),
            HostPublicUrl = new Uri("https://promoter.example.com"),
            HostPublicUrlIsPublic = hostUrlIsPublic,
        };
        if (publicSetting is not null)
        {
            builder.Set("public", publicSetting);
        }

        var stored = await builder.Create(new LocalImageStoreFactory()).SaveAsync(SampleImages.Png(10), "image/png", CancellationToken.None);

        Assert.Equal(expected, stored.IsPublic);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_StoredImage_SameBytesBack(bool hostServed)
    {
        var dir = TestPaths.NewTempDirectory();
        var builder = hostServed ? new StoreSetupBuilder { DataDirectory = dir } : Setup(dir).Set("public_url", "https://x.example/i");
        var store = builder.Create(new LocalImageStoreFactory());
        var png = SampleImages.Png(11);
        var stored = await store.SaveAsync(png, "image/png", CancellationToken.None);

        var reader = Assert.IsAssignableFrom<IImageReader>(store);

        Assert.Equal(png, await reader.ReadAsync(stored.Key, CancellationToken.None));
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000.png")] // well formed, never stored
    [InlineData("../outside.png")]
    [InlineData("/etc/passwd")]
    [InlineData("secret.txt")]
    [InlineData("")]
    public async Task ReadAsync_UnknownOrForeignKey_NullAndNothingOutsideTheFolderRead(string key)
    {
        var root = TestPaths.NewTempDirectory();
        var dir = Path.Combine(root, "images");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(root, "outside.png"), "not yours");
        await File.WriteAllTextAsync(Path.Combine(dir, "secret.txt"), "not an image of ours");
        var reader = (IImageReader)Setup(dir).Set("public_url", "https://x.example/i").Create(new LocalImageStoreFactory());

        Assert.Null(await reader.ReadAsync(key, CancellationToken.None));
    }

    [Fact]
    public void Create_WithPublicUrl_IsNotServedByTheHost()
    {
        var store = Setup(TestPaths.NewTempDirectory()).Set("public_url", "https://images.example.com/saved-images").Create(new LocalImageStoreFactory());

        Assert.False(store is IHostServedImages);
    }

    [Fact]
    public async Task SaveAsync_FolderCannotBeCreated_ThrowsNamingTheFolderAndTheSetting()
    {
        var parent = TestPaths.NewTempDirectory();
        var blocker = Path.Combine(parent, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where the folder should be");
        var store = Setup(blocker).Set("public_url", "https://x.example/i").Create(new LocalImageStoreFactory());

        var e = await Assert.ThrowsAsync<IOException>(() => store.SaveAsync(SampleImages.Png(10), "image/png", CancellationToken.None));

        Assert.Contains(blocker, e.Message, StringComparison.Ordinal);
        Assert.Contains("'dir'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/saved-images/../secret.txt")]
    [InlineData("/saved-images/%2e%2e/secret.txt")]
    [InlineData("/saved-images/..%2fsecret.txt")]
    [InlineData("/saved-images/%2e%2e%2fsecret.txt")]
    [InlineData("/saved-images/../images/notes.txt")]
    [InlineData("/saved-images/notes.txt")]
    [InlineData("/saved-images/")]
    [InlineData("/saved-images")]
    [InlineData("/saved-images/.hidden.tmp")]
    [InlineData("/saved-images/LINK")]
    [InlineData("/saved-images/LINK/../../secret.txt")]
    [InlineData("/secret.txt")]
    [InlineData("/images/notes.txt")]
    public async Task Nginx_PathsOutsideTheStoredImages_AreNotServed(string path)
    {
        // A secret beside the folder, a stray file and a temporary file inside it, and a symlink named like
        // an image that points at the secret: none of them may be served.
        await File.WriteAllTextAsync(Path.Combine(_nginx.Prefix, "secret.txt"), "SECRET");
        await File.WriteAllTextAsync(Path.Combine(_nginx.ImageDirectory, "notes.txt"), "SECRET");
        await File.WriteAllTextAsync(Path.Combine(_nginx.ImageDirectory, ".hidden.tmp"), "SECRET");
        var linkName = new string('a', 64) + ".png";
        var link = Path.Combine(_nginx.ImageDirectory, linkName);
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, Path.Combine(_nginx.Prefix, "secret.txt"));
        }

        using var response = await _nginx.GetAsync(path.Replace("LINK", linkName, StringComparison.Ordinal));

        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("SECRET", body, StringComparison.Ordinal);
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest,
            $"{path}: {(int)response.StatusCode}");
    }

    [Fact]
    public async Task Nginx_StoredPng_IsServedWithLongCacheAndNosniff()
    {
        var store = Setup(_nginx.ImageDirectory).Set("public_url", _nginx.PublicUrl.ToString()).Create(new LocalImageStoreFactory());
        var stored = await store.SaveAsync(SampleImages.Png(11), "image/png", CancellationToken.None);

        using var response = await _nginx.Http.GetAsync(stored.Url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Equal(31536000, (int?)response.Headers.CacheControl?.MaxAge?.TotalSeconds);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task Nginx_Post_IsRefused()
    {
        var store = Setup(_nginx.ImageDirectory).Set("public_url", _nginx.PublicUrl.ToString()).Create(new LocalImageStoreFactory());
        var stored = await store.SaveAsync(SampleImages.Png(12), "image/png", CancellationToken.None);

        using var response = await _nginx.Http.PostAsync(stored.Url, new ByteArrayContent([1, 2, 3]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Retention_HostSweepWithTheStoresRetention_DeletesOnlyOurImagesOlderThanIt()
    {
        var dir = TestPaths.NewTempDirectory();
        var clock = new ManualTimeProvider();
        var builder = Setup(dir).Set("public_url", "https://x.example/i").Set("retention", "7d").Service<TimeProvider>(clock);
        var store = builder.Create(new LocalImageStoreFactory());
        var retention = ((IImageRetention)store).Retention!.Value;
        // What the host's hourly sweep does (ImageRetentionSweep): delete what is older than now − retention.
        Task<int> Sweep() => ((IImageRetention)store).DeleteOlderThanAsync(clock.GetUtcNow() - retention, CancellationToken.None);
        var foreign = Path.Combine(dir, "README.txt");
        await File.WriteAllTextAsync(foreign, "kept: not written by the store");
        File.SetLastWriteTimeUtc(foreign, clock.GetUtcNow().UtcDateTime.AddDays(-30));

        var old = await store.SaveAsync(SampleImages.Png(13), "image/png", CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(2));
        var renewed = await store.SaveAsync(SampleImages.Png(14), "image/png", CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(4));
        await store.SaveAsync(SampleImages.Png(14), "image/png", CancellationToken.None); // saved again: younger
        var recent = await store.SaveAsync(SampleImages.Svg(15), "image/svg+xml", CancellationToken.None);
        await Sweep();
        Assert.Equal(4, Directory.GetFiles(dir).Length); // nothing is 7 days old yet

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(1));
        await Sweep();

        Assert.False(File.Exists(Path.Combine(dir, old.Key)));
        Assert.True(File.Exists(Path.Combine(dir, renewed.Key)));
        Assert.True(File.Exists(Path.Combine(dir, recent.Key)));
        Assert.True(File.Exists(foreign));

        clock.Advance(TimeSpan.FromDays(7));
        await Sweep();
        Assert.Equal(["README.txt"], Directory.GetFiles(dir).Select(Path.GetFileName));
        Assert.Equal(TimeSpan.FromDays(7), retention);
    }

    [Fact]
    public void Retention_HostServedStore_ForwardsTheSetting()
    {
        // The store without public_url is a wrapper; the interface's default (null) would turn the sweep off.
        var store = Setup(TestPaths.NewTempDirectory()).Set("retention", "3d").Create(new LocalImageStoreFactory());

        Assert.IsAssignableFrom<IHostServedImages>(store);
        Assert.Equal(TimeSpan.FromDays(3), ((IImageRetention)store).Retention);
    }

    [Fact]
    public async Task DeleteOlderThanAsync_CountsDeletedImagesAndRemovesStaleTemporaryFiles()
    {
        var dir = TestPaths.NewTempDirectory();
        var clock = new ManualTimeProvider();
        var store = Setup(dir).Set("public_url", "https://x.example/i").Service<TimeProvider>(clock).Create(new LocalImageStoreFactory());
        await store.SaveAsync(SampleImages.Png(16), "image/png", CancellationToken.None);
        await store.SaveAsync(SampleImages.Png(17), "image/png", CancellationToken.None);
        var temp = Path.Combine(dir, "." + new string('b', 64) + ".png." + Guid.NewGuid().ToString("N") + ".tmp");
        await File.WriteAllTextAsync(temp, "left by a crash");
        File.SetLastWriteTimeUtc(temp, clock.GetUtcNow().UtcDateTime.AddDays(-1));

        var removed = await ((IImageRetention)store).DeleteOlderThanAsync(clock.GetUtcNow().AddMinutes(1), CancellationToken.None);

        Assert.Equal(2, removed);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public async Task SaveAsync_ManyDifferentImagesConcurrently_AllStoredIntact()
    {
        var dir = TestPaths.NewTempDirectory();
        var store = Setup(dir).Set("public_url", "https://x.example/i").Create(new LocalImageStoreFactory());
        var images = Enumerable.Range(100, 40).Select(i => SampleImages.Png(i, 32, 32)).ToArray();

        var stored = await Task.WhenAll(images.Select(png => Task.Run(() => store.SaveAsync(png, "image/png", CancellationToken.None))));

        for (var i = 0; i < images.Length; i++)
        {
            Assert.Equal(images[i], await File.ReadAllBytesAsync(Path.Combine(dir, stored[i].Key)));
        }

        Assert.Equal(images.Length, Directory.GetFiles(dir).Length);
    }

    private static string Symbolic(UnixFileMode mode)
    {
        var bits = (int)mode & 0x1FF;
        var chars = "rwxrwxrwx".ToCharArray();
        for (var i = 0; i < 9; i++)
        {
            if ((bits & (1 << (8 - i))) == 0)
            {
                chars[i] = '-';
            }
        }

        return new string(chars);
    }
}

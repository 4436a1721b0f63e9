using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.S3;

/// <summary>
/// Keeps images in an S3-compatible bucket under <c>&lt;prefix&gt;/yyyy/MM/dd/&lt;sha256&gt;.png</c>. The date
/// is the day the image was saved (UTC), so a bucket lifecycle rule or the retention sweep can expire whole
/// days; the same image saved again on the same day is found by HEAD and not uploaded again. It reads images back
/// (<see cref="IImageReader"/>) with its own credentials: presigned links last at most 7 days, the host's history
/// 30, so history pages serve older charts through Promoter, and channels that upload get the bytes after a restart.
/// </summary>
internal sealed partial class S3ImageStore : IImageStore, IImageRetention, IImageReader, IDisposable
{
    // Keys known to exist, so that a chart saved for every alert of a group costs one HEAD, not one per alert.
    private const int KnownKeysLimit = 4096;

    private readonly string _name;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AmazonS3Client _client;
    private readonly ConcurrentDictionary<string, byte> _knownKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _uploads = new(StringComparer.Ordinal);

    public S3ImageStore(string name, S3StoreOptions options, TimeProvider time, ILogger logger, IHttpClientFactory? httpClientFactory = null)
    {
        _name = name;
        Options = options;
        _time = time;
        _logger = logger;
        _client = CreateClient(options, httpClientFactory);
    }

    public S3StoreOptions Options { get; }

    /// <summary>The <c>retention:</c> setting; the host sweeps with it (see <see cref="IImageRetention.Retention"/>).</summary>
    public TimeSpan? Retention => Options.Retention;

    /// <summary>
    /// The <c>public:</c> setting, or else whether the address links are built on (public_url, or the endpoint) is one
    /// a chat service on the internet could reach: MinIO at <c>http://minio:9000</c> is not, so channels that can
    /// upload charts do so rather than link them.
    /// </summary>
    public bool UrlsArePublic => Options.Public ?? InternetReach.IsReachableFromInternet(
        Options.PublicUrl ?? Options.Endpoint ?? new Uri($"https://s3.{Options.Region}.amazonaws.com/"));

    private static AmazonS3Client CreateClient(S3StoreOptions o, IHttpClientFactory? httpClientFactory)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = o.ForcePathStyle,
            Timeout = o.Timeout,
            MaxErrorRetry = o.MaxRetries,
            RequestChecksumCalculation = o.ChecksumCalculation,
            ResponseChecksumValidation = o.ChecksumValidation,
        };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = new SdkHttpClientFactory(httpClientFactory);
        }

        if (o.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = o.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(o.Region);
        }

        AWSCredentials? credentials = (o.AccessKey, o.SecretKey, o.SessionToken) switch
        {
            ({ } ak, { } sk, { } token) => new SessionAWSCredentials(ak, sk, token),
            ({ } ak, { } sk, null) => new BasicAWSCredentials(ak, sk),
            _ => null,
        };
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    public async Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        ImageFormat format;
        try
        {
            format = ImageContent.Validate(content.Span, contentType, Options.MaxBytes);
        }
        catch (ImageRejectedException e)
        {
            S3StoreLog.Rejected(_logger, _name, e.Message);
            throw;
        }

        var now = _time.GetUtcNow();
        var key = ObjectKey(now, Convert.ToHexStringLower(SHA256.HashData(content.Span)), format);
        if (!_knownKeys.ContainsKey(key))
        {
            // Saves of the same image at the same moment (one chart, many alerts) share one HEAD and PUT.
            var bytes = content.ToArray();
            var upload = _uploads.GetOrAdd(key, k => new Lazy<Task<bool>>(() => UploadOnceAsync(k, bytes, format)));
            await upload.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await LinkAsync(key, now).ConfigureAwait(false);
    }

    private string ObjectKey(DateTimeOffset now, string hash, ImageFormat format)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{now.UtcDateTime:yyyy'/'MM'/'dd}/{hash}.{ImageContent.Extension(format)}");
        return Options.Prefix.Length == 0 ? name : Options.Prefix + "/" + name;
    }

    private async Task<bool> UploadOnceAsync(string key, byte[] content, ImageFormat format)
    {
        try
        {
            return await EnsureStoredAsync(key, content, format).ConfigureAwait(false);
        }
        finally
        {
            _uploads.TryRemove(key, out _);
        }
    }

    /// <summary>Uploads the object unless it exists; true when it was uploaded.</summary>
    private async Task<bool> EnsureStoredAsync(string key, byte[] content, ImageFormat format)
    {
        // Not the caller's token: other callers wait on this upload too. The SDK's timeout bounds it.
        var ct = CancellationToken.None;
        try
        {
            if (await ExistsAsync(key, content.Length, ct).ConfigureAwait(false))
            {
                Remember(key);
                S3StoreLog.AlreadyStored(_logger, _name, key);
                return false;
            }

            using var body = new MemoryStream(content, writable: false);
            var request = new PutObjectRequest
            {
                BucketName = Options.Bucket,
                Key = key,
                InputStream = body,
                ContentType = ImageContent.MediaType(format),
                AutoCloseStream = false,
                UseChunkEncoding = Options.ChunkEncoding,
                Headers = { CacheControl = "public, max-age=31536000, immutable" },
            };
            if (Options.Acl is { } acl)
            {
                request.CannedACL = acl;
            }

            if (Options.ServerSideEncryption is { } sse)
            {
                request.ServerSideEncryptionMethod = sse;
                if (Options.KmsKeyId is { } kms)
                {
                    request.ServerSideEncryptionKeyManagementServiceKeyId = kms;
                }
            }

            await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
            Remember(key);
            S3StoreLog.Uploaded(_logger, _name, key, content.Length);
            return true;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TimeoutException)
        {
            var error = S3ErrorTranslator.Translate(e, _name, Options, "store an image");
            S3StoreLog.Failed(_logger, _name, error.Message);
            throw error;
        }
    }

    private async Task<bool> ExistsAsync(string key, long length, CancellationToken ct)
    {
        try
        {
            var head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Options.Bucket, Key = key }, ct)
                .ConfigureAwait(false);

            // A different length means an interrupted or foreign write under our name: write it again.
            return head.ContentLength == length;
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            // A HEAD answer has no body, so it cannot say which error happened: a missing bucket looks like a
            // missing object, and S3 answers 403 for a missing object when the key lacks s3:ListBucket. The
            // PUT that follows either succeeds or fails with an error code that names the problem.
            return false;
        }
    }

    private void Remember(string key)
    {
        if (_knownKeys.Count >= KnownKeysLimit)
        {
            _knownKeys.Clear();
        }

        _knownKeys.TryAdd(key, 0);
    }

    private async Task<StoredImage> LinkAsync(string key, DateTimeOffset now)
    {
        if (Options.PublicUrl is { } publicUrl)
        {
            return new StoredImage(key, new Uri(publicUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + EscapeKey(key))) { IsPublic = UrlsArePublic };
        }

        if (!Options.Presign)
        {
            return new StoredImage(key, DirectUrl(key)) { IsPublic = UrlsArePublic };
        }

        var expires = now + Options.PresignExpiry;
        var request = new GetPreSignedUrlRequest
        {
            BucketName = Options.Bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = expires.UtcDateTime,
            Protocol = Options.Endpoint?.Scheme == Uri.UriSchemeHttp ? Protocol.HTTP : Protocol.HTTPS,
        };
        try
        {
            var url = await _client.GetPreSignedURLAsync(request).ConfigureAwait(false);
            return new StoredImage(key, new Uri(url)) { ExpiresAt = expires, IsPublic = UrlsArePublic };
        }
        catch (AmazonClientException e)
        {
            throw S3ErrorTranslator.Translate(e, _name, Options, "sign a URL");
        }
    }

    /// <summary>The object's plain URL, for buckets that allow anonymous reads.</summary>
    internal Uri DirectUrl(string key)
    {
        var endpoint = Options.Endpoint ?? new Uri($"https://s3.{Options.Region}.amazonaws.com/");
        var basePath = endpoint.AbsolutePath.TrimEnd('/');
        var authority = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}";
        return Options.ForcePathStyle
            ? new Uri($"{endpoint.Scheme}://{authority}{basePath}/{Options.Bucket}/{EscapeKey(key)}")
            : new Uri($"{endpoint.Scheme}://{Options.Bucket}.{authority}{basePath}/{EscapeKey(key)}");
    }

    private static string EscapeKey(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    public async Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        // Only keys this store hands out: nothing else in the bucket can be read through the host.
        var prefix = Options.Prefix.Length == 0 ? "" : Options.Prefix + "/";
        if (key is null || !key.StartsWith(prefix, StringComparison.Ordinal) || !StoredKey().IsMatch(key[prefix.Length..]))
        {
            return null;
        }

        try
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Options.Bucket, Key = key }, cancellationToken)
                .ConfigureAwait(false);
            if (response.ContentLength < 0 || response.ContentLength > Options.MaxBytes)
            {
                return null;
            }

            // Bounded by max_size whatever the service says the length is: read at most one byte more than it.
            var buffer = new byte[response.ContentLength];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await response.ResponseStream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += n;
            }

            return read == buffer.Length ? buffer : null;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Deleted by retention or a bucket lifecycle rule: the caller says the chart is no longer kept.
            return null;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TimeoutException)
        {
            var error = S3ErrorTranslator.Translate(e, _name, Options, "read an image back");
            S3StoreLog.Failed(_logger, _name, error.Message);
            throw error;
        }
    }

    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        // The key's date is the UTC day the image was last saved; an object of day D is older than the
        // cutoff for sure once D + 1 day ≤ cutoff. Keys the store did not write are left alone.
        var removed = 0;
        var listPrefix = Options.Prefix.Length == 0 ? "" : Options.Prefix + "/";
        var request = new ListObjectsV2Request { BucketName = Options.Bucket, Prefix = listPrefix };
        try
        {
            ListObjectsV2Response page;
            do
            {
                page = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
                foreach (var obj in page.S3Objects ?? [])
                {
                    var match = StoredKey().Match(obj.Key[listPrefix.Length..]);
                    if (!match.Success
                        || !DateTime.TryParseExact(match.Groups["day"].Value, "yyyy'/'MM'/'dd", CultureInfo.InvariantCulture,
                            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day)
                        || new DateTimeOffset(day.AddDays(1), TimeSpan.Zero) > cutoff)
                    {
                        continue;
                    }

                    // One DELETE per object: DeleteObjects needs a Content-MD5 that the 2025 SDK replaced with
                    // CRC32, which several S3-compatible services refuse.
                    await _client.DeleteObjectAsync(Options.Bucket, obj.Key, cancellationToken).ConfigureAwait(false);
                    _knownKeys.TryRemove(obj.Key, out _);
                    removed++;
                }

                request.ContinuationToken = page.NextContinuationToken;
            }
            while (page.IsTruncated == true);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            var error = S3ErrorTranslator.Translate(e, _name, Options, "delete old images");
            S3StoreLog.SweepFailed(_logger, _name, error.Message);
            throw error;
        }

        S3StoreLog.Swept(_logger, _name, removed, cutoff);
        return removed;
    }

    public void Dispose()
    {
        _client.Dispose();
    }

    [GeneratedRegex("^(?<day>[0-9]{4}/[0-9]{2}/[0-9]{2})/[0-9a-f]{64}\\.(png|svg)$", RegexOptions.CultureInvariant)]
    private static partial Regex StoredKey();
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.AzureBlob;

/// <summary>
/// Keeps images as block blobs named <c>&lt;prefix&gt;/yyyy/MM/dd/&lt;sha256&gt;.png</c> (the UTC day of the save,
/// as the S3 store does), so a lifecycle management rule or the host's retention sweep can expire whole days.
/// Each upload is one Put Blob with <c>If-None-Match: *</c>: Put Blob is atomic, so a blob that exists under our
/// name is complete, and the same image saved again (by this or another replica) costs one refused request.
/// </summary>
internal sealed partial class AzureBlobImageStore : IImageStore, IImageRetention, IImageReader, IDisposable
{
    // Names known to exist, so that a chart saved for every alert of a group costs one request, not one per alert.
    private const int KnownNamesLimit = 4096;

    private readonly string _name;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BlobContainerClient _container;
    private readonly HttpClient? _httpClient;
    private readonly ConcurrentDictionary<string, byte> _knownNames = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _uploads = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _createContainer = new(1, 1);

    public AzureBlobImageStore(string name, AzureBlobStoreOptions options, TimeProvider time, ILogger logger, IHttpClientFactory? httpClientFactory = null)
    {
        _name = name;
        Options = options;
        _time = time;
        _logger = logger;
        _httpClient = httpClientFactory?.CreateClient(ClientName);
        _container = CreateContainerClient(options, _httpClient);
    }

    /// <summary>The name under which the store asks the host's IHttpClientFactory for its HttpClient.</summary>
    public const string ClientName = "Promoter.Storage.AzureBlob";

    public AzureBlobStoreOptions Options { get; }

    /// <summary>The <c>retention:</c> setting; the host sweeps with it (see <see cref="IImageRetention.Retention"/>).</summary>
    public TimeSpan? Retention => Options.Retention;

    /// <summary>
    /// The <c>public:</c> setting, or else whether the address links are built on (public_url, or the container's
    /// own URL) is one a chat service on the internet could reach: Azurite at <c>http://127.0.0.1:10000</c> is not.
    /// </summary>
    public bool UrlsArePublic => Options.Public ?? InternetReach.IsReachableFromInternet(Options.PublicUrl ?? _container.Uri);

    private static BlobContainerClient CreateContainerClient(AzureBlobStoreOptions o, HttpClient? httpClient)
    {
        var clientOptions = new BlobClientOptions(o.ServiceVersion)
        {
            Retry = { MaxRetries = o.MaxRetries, NetworkTimeout = o.Timeout, Mode = Azure.Core.RetryMode.Exponential },
        };

        // Diagnostics logging of the SDK would write request URLs (with a SAS) to the event source: off.
        clientOptions.Diagnostics.IsLoggingEnabled = false;
        clientOptions.Diagnostics.IsTelemetryEnabled = false;
        if (httpClient is not null)
        {
            // The host's handler settings (proxy, DNS refresh, connection lifetime) apply to Blob traffic too.
            clientOptions.Transport = new HttpClientTransport(httpClient);
        }

        var service = o.Credential switch
        {
            AzureBlobCredential.ConnectionString => new BlobServiceClient(o.ConnectionString, clientOptions),
            AzureBlobCredential.Sas => new BlobServiceClient(o.AccountUrl!, new AzureSasCredential(o.Sas!), clientOptions),
            _ => new BlobServiceClient(o.AccountUrl!, new StorageSharedKeyCredential(o.AccountName!, o.AccountKey!), clientOptions),
        };
        return service.GetBlobContainerClient(o.Container);
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
            AzureBlobStoreLog.Rejected(_logger, _name, e.Message);
            throw;
        }

        var now = _time.GetUtcNow();
        var blobName = BlobName(now, Convert.ToHexStringLower(SHA256.HashData(content.Span)), format);
        if (!_knownNames.ContainsKey(blobName))
        {
            // Saves of the same image at the same moment (one chart, many alerts) share one upload.
            var bytes = content.ToArray();
            var upload = _uploads.GetOrAdd(blobName, n => new Lazy<Task<bool>>(() => UploadOnceAsync(n, bytes, format)));
            await upload.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return Link(blobName, now);
    }

    private string BlobName(DateTimeOffset now, string hash, ImageFormat format)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{now.UtcDateTime:yyyy'/'MM'/'dd}/{hash}.{ImageContent.Extension(format)}");
        return Options.Prefix.Length == 0 ? name : Options.Prefix + "/" + name;
    }

    private async Task<bool> UploadOnceAsync(string blobName, byte[] content, ImageFormat format)
    {
        try
        {
            return await EnsureStoredAsync(blobName, content, format).ConfigureAwait(false);
        }
        finally
        {
            _uploads.TryRemove(blobName, out _);
        }
    }

    /// <summary>Uploads the blob unless it exists; true when it was uploaded.</summary>
    private async Task<bool> EnsureStoredAsync(string blobName, byte[] content, ImageFormat format)
    {
        // Not the caller's token: other callers wait on this upload too. The SDK's network timeout bounds it.
        var ct = CancellationToken.None;
        try
        {
            try
            {
                await PutAsync(blobName, content, format, ct).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound && Options.CreateContainer)
            {
                await EnsureContainerAsync(ct).ConfigureAwait(false);
                await PutAsync(blobName, content, format, ct).ConfigureAwait(false);
            }

            Remember(blobName);
            AzureBlobStoreLog.Uploaded(_logger, _name, blobName, content.Length);
            return true;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists || e.Status == 412)
        {
            // If-None-Match: * refused: the blob is there, and Put Blob never leaves a partial one.
            Remember(blobName);
            AzureBlobStoreLog.AlreadyStored(_logger, _name, blobName);
            return false;
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsServiceError(e))
        {
            var error = AzureBlobErrorTranslator.Translate(e, _name, Options, "store an image");
            AzureBlobStoreLog.Failed(_logger, _name, error.Message);
            throw error;
        }
    }

    private async Task PutAsync(string blobName, byte[] content, ImageFormat format, CancellationToken ct)
    {
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders
            {
                ContentType = ImageContent.MediaType(format),
                CacheControl = "public, max-age=31536000, immutable",
            },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },

            // One Put Blob for the whole image (max_size is capped at 256 MiB, Put Blob's own limit since
            // version 2019-12-12), so the blob appears whole or not at all.
            TransferOptions = new StorageTransferOptions { InitialTransferSize = Options.MaxBytes + 1, MaximumTransferSize = Options.MaxBytes + 1 },
        };
        await _container.GetBlobClient(blobName).UploadAsync(BinaryData.FromBytes(content), options, ct).ConfigureAwait(false);
    }

    private async Task EnsureContainerAsync(CancellationToken ct)
    {
        // Only after a ContainerNotFound, so rarely; serialised so that a burst of first uploads creates it once.
        await _createContainer.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Public links need anonymous reads of blobs (never of the listing); SAS links need no public access.
            var access = Options.Links == AzureBlobLinks.Public && Options.PublicUrl is null ? PublicAccessType.Blob : PublicAccessType.None;
            var created = await _container.CreateIfNotExistsAsync(access, cancellationToken: ct).ConfigureAwait(false);
            if (created is not null)
            {
                AzureBlobStoreLog.ContainerCreated(_logger, _name, Options.Container);
            }
        }
        finally
        {
            _createContainer.Release();
        }
    }

    private void Remember(string blobName)
    {
        if (_knownNames.Count >= KnownNamesLimit)
        {
            _knownNames.Clear();
        }

        _knownNames.TryAdd(blobName, 0);
    }

    private StoredImage Link(string blobName, DateTimeOffset now)
    {
        if (Options.PublicUrl is { } publicUrl)
        {
            return new StoredImage(blobName, new Uri(publicUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + EscapeName(blobName))) { IsPublic = UrlsArePublic };
        }

        var blob = _container.GetBlobClient(blobName);
        if (Options.Links == AzureBlobLinks.Public)
        {
            return new StoredImage(blobName, blob.Uri) { IsPublic = UrlsArePublic };
        }

        // A service SAS for this one blob, read only. No start time: a start set from this clock would make the
        // link fail on a service whose clock is a little behind.
        var expires = now + Options.SasExpiry;
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expires)
        {
            BlobContainerName = Options.Container,
            BlobName = blobName,
            Resource = "b",
        };
        return new StoredImage(blobName, blob.GenerateSasUri(sas)) { ExpiresAt = expires, IsPublic = UrlsArePublic };
    }

    private static string EscapeName(string name) => string.Join('/', name.Split('/').Select(Uri.EscapeDataString));

    public async Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        // Only names this store gives out: nothing else in the container can be read through the host.
        var prefix = Options.Prefix.Length == 0 ? "" : Options.Prefix + "/";
        if (key is null || !key.StartsWith(prefix, StringComparison.Ordinal) || !StoredName().IsMatch(key[prefix.Length..]))
        {
            return null;
        }

        try
        {
            var response = await _container.GetBlobClient(key).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            using var result = response.Value;
            if (result.Details.ContentLength > Options.MaxBytes)
            {
                return null;
            }

            // Bounded by max_size whatever the service says the length is.
            var buffer = new byte[result.Details.ContentLength];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await result.Content.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += n;
            }

            return read == buffer.Length ? buffer : null;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsServiceError(e))
        {
            throw AzureBlobErrorTranslator.Translate(e, _name, Options, "read an image back");
        }
    }

    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        // The name's date is the UTC day the image was saved; a blob of day D is older than the cutoff for sure
        // once D + 1 day ≤ cutoff. Blobs the store did not write are left alone.
        var removed = 0;
        var listPrefix = Options.Prefix.Length == 0 ? "" : Options.Prefix + "/";
        try
        {
            await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, listPrefix, cancellationToken).ConfigureAwait(false))
            {
                var match = StoredName().Match(item.Name[listPrefix.Length..]);
                if (!match.Success
                    || !DateTime.TryParseExact(match.Groups["day"].Value, "yyyy'/'MM'/'dd", CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day)
                    || new DateTimeOffset(day.AddDays(1), TimeSpan.Zero) > cutoff)
                {
                    continue;
                }

                // If-exists: another replica's sweep may have removed it a moment ago.
                var deleted = await _container.DeleteBlobIfExistsAsync(item.Name, DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                _knownNames.TryRemove(item.Name, out _);
                if (deleted.Value)
                {
                    removed++;
                }
            }
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // Nothing stored yet: the container is created with the first image.
        }
        catch (Exception e) when (AzureBlobErrorTranslator.IsServiceError(e))
        {
            var error = AzureBlobErrorTranslator.Translate(e, _name, Options, "delete old images");
            AzureBlobStoreLog.SweepFailed(_logger, _name, error.Message);
            throw error;
        }

        AzureBlobStoreLog.Swept(_logger, _name, removed, cutoff);
        return removed;
    }

    public void Dispose()
    {
        _createContainer.Dispose();
        _httpClient?.Dispose();
    }

    [GeneratedRegex("^(?<day>[0-9]{4}/[0-9]{2}/[0-9]{2})/[0-9a-f]{64}\\.(png|svg)$", RegexOptions.CultureInvariant)]
    private static partial Regex StoredName();
}

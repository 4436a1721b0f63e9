using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.LocalNginx;

/// <summary>
/// Keeps images as files named by their SHA-256 in one folder. Names are computed here from the content,
/// never taken from input, so nothing is ever written outside the folder; each file appears atomically
/// (written to a temporary file in the same folder, then renamed), so a web server never serves half an image.
/// </summary>
internal sealed partial class LocalImageStore : IImageStore, IImageRetention, IImageReader
{
    private readonly string _name;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public LocalImageStore(string name, LocalStoreOptions options, TimeProvider time, ILogger logger)
    {
        _name = name;
        Options = options;
        _time = time;
        _logger = logger;
    }

    public LocalStoreOptions Options { get; }

    /// <summary>The <c>retention:</c> setting; the host sweeps with it (see <see cref="IImageRetention.Retention"/>).</summary>
    public TimeSpan? Retention => Options.Retention;

    /// <summary>The <c>public:</c> setting, by default whether a public URL (the store's or the host's) is set.</summary>
    public bool UrlsArePublic => Options.IsPublic;

    public async Task<StoredImage> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        ImageFormat format;
        try
        {
            format = ImageContent.Validate(content.Span, contentType, Options.MaxBytes);
        }
        catch (ImageRejectedException e)
        {
            LocalStoreLog.Rejected(_logger, _name, e.Message);
            throw;
        }

        var fileName = $"{Convert.ToHexStringLower(SHA256.HashData(content.Span))}.{ImageContent.Extension(format)}";
        var path = Path.Join(Options.Directory, fileName);
        try
        {
            if (IsStored(path, content.Length))
            {
                // Saving the same chart again renews its age, so that retention keeps images still in use.
                File.SetLastWriteTimeUtc(path, _time.GetUtcNow().UtcDateTime);
                LocalStoreLog.AlreadyStored(_logger, _name, fileName);
            }
            else
            {
                await WriteAtomicallyAsync(path, content, cancellationToken).ConfigureAwait(false);
                LocalStoreLog.Written(_logger, _name, fileName, content.Length);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LocalStoreLog.WriteFailed(_logger, _name, Options.Directory, e.Message);
            throw new IOException(
                $"image store '{_name}' cannot write into '{Options.Directory}': {e.Message} (check that the folder exists or can be created and that Promoter may write to it; set 'dir' to change it)", e);
        }

        return new StoredImage(fileName, new Uri(Options.BaseUrl, fileName)) { IsPublic = Options.IsPublic };
    }

    public async Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        // Only names this store gives out: a key is never a path, so nothing outside the folder can be read.
        if (key is null || !StoredName().IsMatch(key))
        {
            return null;
        }

        var path = Path.Join(Options.Directory, key);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || (info.Attributes & FileAttributes.ReparsePoint) != 0 || info.Length > Options.MaxBytes)
            {
                return null;
            }

            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool IsStored(string path, int length)
    {
        var info = new FileInfo(path);
        return info.Exists && info.Length == length && (info.Attributes & FileAttributes.ReparsePoint) == 0;
    }

    private async Task WriteAtomicallyAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Options.Directory);

        // The temporary file lives in the same folder so that the rename cannot cross file systems (rename(2)
        // is atomic only within one); its name starts with a dot and ends in .tmp, which nginx never serves.
        var temp = Path.Join(Options.Directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var streamOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows())
            {
                streamOptions.UnixCreateMode = Options.FileMode;
            }

            await using (var stream = new FileStream(temp, streamOptions))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                // The umask narrows the mode given at creation; set it exactly as configured.
                File.SetUnixFileMode(temp, Options.FileMode);
            }

            File.SetLastWriteTimeUtc(temp, _time.GetUtcNow().UtcDateTime);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var dir = new DirectoryInfo(Options.Directory);
        if (!dir.Exists)
        {
            return Task.FromResult(0);
        }

        var removed = 0;
        foreach (var file in dir.EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Only files this store wrote: other files an operator keeps in the folder are not ours to delete.
            var ours = StoredName().IsMatch(file.Name);
            var leftover = !ours && TempName().IsMatch(file.Name);
            if ((ours || leftover) && file.LastWriteTimeUtc < cutoff.UtcDateTime && TryDelete(file.FullName))
            {
                removed += ours ? 1 : 0;
            }
        }

        LocalStoreLog.Swept(_logger, _name, removed, cutoff);
        return Task.FromResult(removed);
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }


    [GeneratedRegex("^[0-9a-f]{64}\\.(png|svg)$", RegexOptions.CultureInvariant)]
    private static partial Regex StoredName();

    [GeneratedRegex("^\\.[0-9a-f]{64}\\.(png|svg)\\.[0-9a-f]{32}\\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TempName();
}

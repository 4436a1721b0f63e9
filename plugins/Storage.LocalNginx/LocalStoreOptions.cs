using System.Globalization;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.LocalNginx;

/// <summary>The settings of a <c>type: local</c> store.</summary>
internal sealed record LocalStoreOptions
{
    /// <summary>The URL path the host serves the folder under when <c>public_url</c> is not set.</summary>
    public const string HostRequestPath = "/images";

    public required string Directory { get; init; }

    /// <summary>Where nginx (or another web server) serves <see cref="Directory"/>; null when the host serves it.</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>The base of every image URL: <see cref="PublicUrl"/>, or the host's URL + /images.</summary>
    public required Uri BaseUrl { get; init; }

    public bool IsPublic { get; init; }

    public UnixFileMode FileMode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public long MaxBytes { get; init; } = ImageContent.DefaultMaxBytes;

    /// <summary>Images older than this are deleted; null keeps them forever.</summary>
    public TimeSpan? Retention { get; init; }


    public static LocalStoreOptions Read(StoreSetup setup)
    {
        var s = setup.Settings;
        var dir = s.GetString("dir");
        if (dir is not null && dir.Trim().Length == 0)
        {
            s.AddError("dir", "'dir' is empty", "write the folder for images, or remove 'dir' to use <data>/images");
            dir = null;
        }

        var directory = Path.GetFullPath(dir ?? Path.Combine(setup.DataDirectory, "images"));
        var publicUrl = s.GetUrl("public_url", fix: "write the URL nginx serves the folder at, such as https://grafana.example.com/saved-images");
        // Served by the host without a public_url of its own: as public as the host's public_url (not the default
        // localhost one, which no chat service can fetch).
        var isPublic = s.GetBool("public", defaultValue: publicUrl is not null || setup.HostPublicUrlIsPublic);
        var mode = ReadFileMode(s);
        var maxBytes = s.GetByteSize("max_size", ImageContent.DefaultMaxBytes);
        var retention = s.GetDuration("retention", TimeSpan.Zero, min: TimeSpan.Zero);

        // A trailing slash, so that resolving a file name against the base keeps the base's last segment.
        var baseUrl = publicUrl is null
            ? new Uri(setup.HostPublicUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + HostRequestPath + "/")
            : new Uri(publicUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        return new LocalStoreOptions
        {
            Directory = directory,
            PublicUrl = publicUrl,
            BaseUrl = baseUrl,
            IsPublic = isPublic,
            FileMode = mode,
            MaxBytes = maxBytes,
            Retention = retention > TimeSpan.Zero ? retention : null,
        };
    }

    private static UnixFileMode ReadFileMode(PluginSettings s)
    {
        const UnixFileMode defaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var text = s.GetString("file_mode");
        if (text is null)
        {
            return defaultMode;
        }

        // An octal string as chmod takes it ("0644", "640"); YAML would read an unquoted 0644 as the
        // decimal text "0644" too, so both spellings arrive here as text.
        var t = text.Trim();
        int value;
        try
        {
            value = t.Length is >= 3 and <= 4 && t.All(c => c is >= '0' and <= '7') ? Convert.ToInt32(t, 8) : -1;
        }
        catch (FormatException)
        {
            value = -1;
        }

        if (value is < 0 or > 0x1FF)
        {
            s.AddError("file_mode", $"'{text}' is not a file mode", "write an octal mode in quotes, such as \"0644\" (owner writes, everyone reads) or \"0640\"");
            return defaultMode;
        }

        if ((value & 0x124) == 0)
        {
            s.AddError("file_mode", $"'{text}' lets nobody read the images", "give at least the web server's user read access, such as \"0644\"");
            return defaultMode;
        }

        return (UnixFileMode)value;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"dir={Directory}, url={BaseUrl}");
}

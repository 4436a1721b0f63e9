using Promoter.Abstractions.Configuration;
using Promoter.Plugins.Sdk;

namespace Promoter.Example.Store;

/// <summary>The settings of one <c>type: examplestore</c> store.</summary>
internal sealed record PutImageStoreOptions
{
    /// <summary>Where images are PUT: the folder URL, ending in '/'.</summary>
    public required Uri UploadUrl { get; init; }

    /// <summary>Where chat clients fetch them (a CDN or a read-only virtual host); the upload URL when not set.</summary>
    public required Uri PublicUrl { get; init; }

    public string? Token { get; init; }
    public bool? Public { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reads every key (an unread key is reported as unknown) and reports every problem; null when unusable.</summary>
    public static PutImageStoreOptions? Read(PluginSettings s)
    {
        var url = s.GetSecretUrl("url", required: true, fix: "write the folder to PUT images into, such as url: https://files.example.com/alerts/ (or url_file)");
        var publicUrl = s.GetUrl("public_url", fix: "write where chat clients fetch the images, such as https://cdn.example.com/alerts/");
        var token = s.GetSecret("token");
        var isPublic = s.GetChoice("public", "auto", "auto", "true", "false") switch
        {
            "true" => true,
            "false" => false,
            _ => (bool?)null,
        };
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        if (url is null)
        {
            return null;
        }

        return new PutImageStoreOptions
        {
            UploadUrl = AsFolder(url),
            PublicUrl = AsFolder(publicUrl ?? url),
            Token = token,
            Public = isPublic,
            Timeout = timeout,
        };
    }

    // A folder URL without its trailing '/' would make new Uri(folder, key) replace the last path segment.
    private static Uri AsFolder(Uri url) => url.AbsolutePath.EndsWith('/') ? url : new Uri(url + "/");

    /// <summary>Never prints the URL or the token.</summary>
    public override string ToString() => $"timeout={Timeout}";
}

namespace Promoter.Abstractions;

/// <summary>
/// The version of the plugin contract this assembly defines. A plugin's <c>plugin.json</c> names the
/// contract version it was built against; the host loads it when the major versions are equal and the
/// plugin's minor version is not newer than the host's.
/// </summary>
public static class PromoterContract
{
    /// <summary>The contract version implemented by this build of Promoter.Abstractions.</summary>
    /// <remarks>1.1 added <see cref="Rendering.IPanelRenderer"/> (dashboard panels on demand); 1.2 added
    /// <see cref="Storage.IImageStore.UrlsArePublic"/>.</remarks>
    public static Version Version { get; } = new(1, 2);

    /// <summary>Whether a plugin built against <paramref name="required"/> can run on this contract.</summary>
    public static bool Supports(Version required)
    {
        ArgumentNullException.ThrowIfNull(required);
        return required.Major == Version.Major && required.Minor <= Version.Minor;
    }
}

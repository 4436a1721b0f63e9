namespace Promoter.Abstractions;

/// <summary>
/// The version of the plugin contract this assembly defines. A plugin's <c>plugin.json</c> names the
/// contract version it was built against; the host loads it when the major versions are equal and the
/// plugin's minor version is not newer than the host's.
/// </summary>
public static class PromoterContract
{
    /// <summary>The contract version implemented by this build of Promoter.Abstractions.</summary>
    /// <remarks>
    /// 1.1 added <see cref="Rendering.IPanelRenderer"/> (dashboard panels on demand); 1.2 added
    /// <see cref="Storage.IImageStore.UrlsArePublic"/>. 2.0 split checking from building (<c>Validate</c> beside
    /// <c>Create</c> on every factory) and moved the implementation helpers (settings getters, channel HTTP, image
    /// validation, duration syntax) out of the contract into the Promoter.Plugins.Sdk library. Keep in step with
    /// src/Contract.props.
    /// </remarks>
    public static Version Version { get; } = new(2, 0);

    /// <summary>Whether a plugin built against <paramref name="required"/> can run on this contract.</summary>
    public static bool Supports(Version required)
    {
        ArgumentNullException.ThrowIfNull(required);
        return required.Major == Version.Major && required.Minor <= Version.Minor;
    }
}

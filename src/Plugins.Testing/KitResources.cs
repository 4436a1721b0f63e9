using System.Text;

namespace Promoter.Testing;

/// <summary>The sample files the kits use, embedded so that the kits work from the package, outside this repository.</summary>
internal static class KitResources
{
    public static byte[] Bytes(string name)
    {
        using var stream = typeof(KitResources).Assembly.GetManifestResourceStream("Promoter.Plugins.Testing." + name)
            ?? throw new InvalidOperationException($"resource {name} is missing from Promoter.Plugins.Testing");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static string Text(string name) => Encoding.UTF8.GetString(Bytes(name));
}

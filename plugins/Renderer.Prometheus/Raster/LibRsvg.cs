using System.Reflection;
using System.Runtime.InteropServices;

namespace Promoter.Renderer.Prometheus.Raster;

/// <summary>
/// librsvg 2.46+ (Debian package librsvg2-2) and cairo, called in-process. Each call uses its own handle,
/// surface and context, so calls from many threads do not share state in these libraries.
/// </summary>
internal static partial class LibRsvg
{
    public const string InstallHint = "apt-get install librsvg2-2 (Debian/Ubuntu), dnf install librsvg2 (Fedora/RHEL), apk add librsvg (Alpine)";

    private const string Rsvg = "promoter-rsvg";
    private const string Cairo = "promoter-cairo";
    private const string GObject = "promoter-gobject";
    private const string GLib = "promoter-glib";

    private const int CairoFormatArgb32 = 0;

    private static readonly Dictionary<string, string[]> Candidates = new(StringComparer.Ordinal)
    {
        [Rsvg] = ["librsvg-2.so.2", "librsvg-2.2.dylib", "librsvg-2-2.dll"],
        [Cairo] = ["libcairo.so.2", "libcairo.2.dylib", "libcairo-2.dll"],
        [GObject] = ["libgobject-2.0.so.0", "libgobject-2.0.0.dylib", "libgobject-2.0-0.dll"],
        [GLib] = ["libglib-2.0.so.0", "libglib-2.0.0.dylib", "libglib-2.0-0.dll"],
    };

    static LibRsvg()
    {
        NativeLibrary.SetDllImportResolver(typeof(LibRsvg).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (Candidates.TryGetValue(name, out var files))
        {
            foreach (var f in files)
            {
                if (NativeLibrary.TryLoad(f, assembly, path, out var handle))
                {
                    return handle;
                }
            }
        }

        return IntPtr.Zero;
    }

    /// <summary>Null when librsvg and cairo can be loaded, else what is missing and how to install it.</summary>
    public static string? Probe()
    {
        foreach (var (name, files) in Candidates)
        {
            if (!files.Any(f => NativeLibrary.TryLoad(f, out _)))
            {
                return $"{files[0]} cannot be loaded, so charts cannot be rasterised to PNG";
            }
        }

        return null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RsvgRectangle
    {
        public double X;
        public double Y;
        public double Width;
        public double Height;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct GError
    {
        public uint Domain;
        public int Code;
        public IntPtr Message;
    }

    [LibraryImport(Rsvg)]
    private static unsafe partial IntPtr rsvg_handle_new_from_data(byte* data, nuint length, out IntPtr error);

    [LibraryImport(Rsvg)]
    private static unsafe partial int rsvg_handle_render_document(IntPtr handle, IntPtr cairo, RsvgRectangle* viewport, out IntPtr error);

    [LibraryImport(GObject)]
    private static partial void g_object_unref(IntPtr handle);

    [LibraryImport(GLib)]
    private static partial void g_error_free(IntPtr error);

    [LibraryImport(Cairo)]
    private static partial IntPtr cairo_image_surface_create(int format, int width, int height);

    [LibraryImport(Cairo)]
    private static partial int cairo_surface_status(IntPtr surface);

    [LibraryImport(Cairo)]
    private static partial IntPtr cairo_create(IntPtr surface);

    [LibraryImport(Cairo)]
    private static partial void cairo_destroy(IntPtr cairo);

    [LibraryImport(Cairo)]
    private static partial void cairo_surface_flush(IntPtr surface);

    [LibraryImport(Cairo)]
    private static partial IntPtr cairo_image_surface_get_data(IntPtr surface);

    [LibraryImport(Cairo)]
    private static partial int cairo_image_surface_get_stride(IntPtr surface);

    [LibraryImport(Cairo)]
    private static partial void cairo_surface_destroy(IntPtr surface);

    /// <summary>Parses the SVG (librsvg reads the whole XML document and resolves styles here).</summary>
    public static unsafe RsvgDocument Parse(ReadOnlySpan<byte> svg)
    {
        IntPtr handle;
        IntPtr error;
        fixed (byte* p = svg)
        {
            handle = rsvg_handle_new_from_data(p, (nuint)svg.Length, out error);
        }

        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException("librsvg could not read the SVG: " + TakeError(error));
        }

        var document = new RsvgDocument();
        Marshal.InitHandle(document, handle);
        return document;
    }

    /// <summary>Parses and renders; see the other overload.</summary>
    public static T Render<T>(ReadOnlySpan<byte> svg, int width, int height, PixelConsumer<T> consume)
    {
        using var document = Parse(svg);
        return Render(document, width, height, consume);
    }

    /// <summary>
    /// Renders the document into a width×height surface and hands the premultiplied BGRA pixels (cairo's ARGB32 in
    /// native byte order, little-endian here) to <paramref name="consume"/> straight from cairo's memory, before
    /// the surface is freed: no managed copy of the pixels is made.
    /// </summary>
    /// <remarks>
    /// A fresh surface per call is as fast as reusing one per thread and clearing it (measured in bench/Renderer:
    /// cairo_image_surface_create plus cairo_create take about 0.03 ms, and clearing 1.25 MiB costs as much), and
    /// it keeps no native memory tied to pool threads.
    /// </remarks>
    public static unsafe T Render<T>(RsvgDocument document, int width, int height, PixelConsumer<T> consume)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(consume);
        var surface = IntPtr.Zero;
        var cr = IntPtr.Zero;
        var added = false;
        try
        {
            document.DangerousAddRef(ref added);
            surface = cairo_image_surface_create(CairoFormatArgb32, width, height);
            if (cairo_surface_status(surface) != 0)
            {
                throw new InvalidOperationException($"cairo could not create a {width}×{height} surface (status {cairo_surface_status(surface)})");
            }

            cr = cairo_create(surface);
            var viewport = new RsvgRectangle { X = 0, Y = 0, Width = width, Height = height };
            if (rsvg_handle_render_document(document.DangerousGetHandle(), cr, &viewport, out var error) == 0)
            {
                throw new InvalidOperationException("librsvg could not render the SVG: " + TakeError(error));
            }

            cairo_surface_flush(surface);
            var data = cairo_image_surface_get_data(surface);
            var stride = cairo_image_surface_get_stride(surface);
            var pixels = new ReadOnlySpan<byte>((void*)data, stride * height);
            return consume(pixels, width, height, stride);
        }
        finally
        {
            if (cr != IntPtr.Zero)
            {
                cairo_destroy(cr);
            }

            if (surface != IntPtr.Zero)
            {
                cairo_surface_destroy(surface);
            }

            if (added)
            {
                document.DangerousRelease();
            }
        }
    }

    /// <summary>An RsvgHandle; disposing it (or its finaliser) drops the GObject reference.</summary>
    internal sealed class RsvgDocument : SafeHandle
    {
        public RsvgDocument()
            : base(IntPtr.Zero, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            g_object_unref(handle);
            return true;
        }
    }

    private static string TakeError(IntPtr error)
    {
        if (error == IntPtr.Zero)
        {
            return "unknown error";
        }

        var message = Marshal.PtrToStructure<GError>(error).Message;
        var text = Marshal.PtrToStringUTF8(message) ?? "unknown error";
        g_error_free(error);
        return text;
    }
}

internal delegate T PixelConsumer<out T>(ReadOnlySpan<byte> bgraPremultiplied, int width, int height, int stride);

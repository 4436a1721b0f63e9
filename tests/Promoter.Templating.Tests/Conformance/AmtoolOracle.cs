using System.Diagnostics;
using Promoter.Testing.Infrastructure;

namespace Promoter.Templating.Tests.Conformance;

/// <summary>
/// Runs `amtool template render` (Alertmanager 0.25, Debian package prometheus-alertmanager) the way our
/// renderer is driven: Alertmanager's own default.tmpl from the package, the case's glob file, the text
/// and the data file. TZ=UTC so local-time printing does not depend on the machine.
/// </summary>
public static class AmtoolOracle
{
    /// <summary>Where the Debian package installs Alertmanager's default templates.</summary>
    public const string PackagedDefaultTemplates = "/usr/share/prometheus/alertmanager/default.tmpl";

    public const string InstallHint = "sudo apt-get install -y prometheus-alertmanager";

    public static string Executable => RequiredTool.Find("amtool", InstallHint);

    public static (string? Output, string? Error) Render(TemplateCase c) =>
        Render(c.GlobPath is null ? [] : [c.GlobPath], c.Text, c.DataPath, c.Html, c.Id);

    /// <summary>amtool with the packaged default.tmpl, then <paramref name="globs"/>, the text and the data file.</summary>
    public static (string? Output, string? Error) Render(IEnumerable<string> globs, string text, string dataPath, bool html, string what)
    {
        if (!File.Exists(PackagedDefaultTemplates))
        {
            throw new InvalidOperationException($"{PackagedDefaultTemplates} is missing; install it with: {InstallHint}");
        }

        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("template");
        psi.ArgumentList.Add("render");
        psi.ArgumentList.Add("--template.glob=" + PackagedDefaultTemplates);
        foreach (var glob in globs)
        {
            psi.ArgumentList.Add("--template.glob=" + glob);
        }

        psi.ArgumentList.Add("--template.text=" + text);
        if (html)
        {
            psi.ArgumentList.Add("--template.type=html");
        }

        psi.ArgumentList.Add("--template.data=" + dataPath);
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill();
            throw new TimeoutException($"amtool did not finish case {what}");
        }

        if (p.ExitCode == 0)
        {
            return (stdout.Result, null);
        }

        const string prefix = "amtool: error: ";
        var err = stderr.Result.TrimEnd('\n');
        return (null, err.StartsWith(prefix, StringComparison.Ordinal) ? err[prefix.Length..] : err);
    }
}

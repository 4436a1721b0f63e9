namespace Promoter.Testing.Infrastructure;

/// <summary>
/// Finds an external program a test needs (prometheus, nginx, amtool, node, …). A missing one fails the
/// test with the command that installs it: tests are never skipped silently because a component is absent.
/// The `test.sh` setup installs all of them.
/// </summary>
public static class RequiredTool
{
    public static string Find(string name, string installHint, params string[] extraLocations)
    {
        foreach (var candidate in extraLocations)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                     .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin"]))
        {
            var full = Path.Combine(dir, name);
            if (File.Exists(full))
            {
                return full;
            }
        }

        throw new InvalidOperationException(
            $"This test needs '{name}', which is not installed. Install it with: {installHint} " +
            "(or run ./test.sh, which installs everything the tests need).");
    }
}

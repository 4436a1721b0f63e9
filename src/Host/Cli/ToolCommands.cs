using System.CommandLine;

namespace Promoter.Host.Cli;

/// <summary><c>promoter render</c> and <c>promoter template render</c>.</summary>
internal static class ToolCommands
{
    public static void Add(RootCommand root)
    {
        _ = root;
    }
}

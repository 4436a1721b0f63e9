using System.CommandLine;
using Promoter.Templating;
using Promoter.Templating.Alertmanager;

namespace Promoter.Host.Cli;

/// <summary>
/// <c>promoter template render</c>: the same flags and output as <c>amtool template render</c>, so a
/// template can be checked against both and the outputs compared directly.
/// </summary>
internal static class TemplateCommand
{
    public static Command Create()
    {
        var template = new Command("template", "Work with Go templates.");
        var render = new Command("render", "Render a template with Alertmanager data, like `amtool template render`.");
        var glob = new Option<string[]>("--template.glob") { Description = "Glob of template files to load (repeatable).", AllowMultipleArgumentsPerToken = false };
        var text = new Option<string>("--template.text") { Description = "The template text to execute.", Required = true };
        var data = new Option<string?>("--template.data") { Description = "A JSON file with Alertmanager webhook data (default: amtool's sample data)." };
        var profile = new Option<string>("--profile") { Description = "Function set: alertmanager or dingtalk.", DefaultValueFactory = _ => "alertmanager" };
        var type = new Option<string>("--template.type") { Description = "The type of the template: text (default) or html (Go html/template's contextual escaping, as for e-mail bodies).", DefaultValueFactory = _ => "text" };
        render.Options.Add(glob);
        render.Options.Add(text);
        render.Options.Add(data);
        render.Options.Add(profile);
        render.Options.Add(type);
        render.SetAction(parse => Run(parse.GetValue(glob) ?? [], parse.GetValue(text)!, parse.GetValue(data), parse.GetValue(profile)!, parse.GetValue(type)!));
        template.Subcommands.Add(render);
        return template;
    }

    private static int Run(string[] globs, string text, string? dataFile, string profileName, string type)
    {
        // amtool's values: "text" (default) or "html"; anything else is refused as amtool refuses it.
        if (type is not ("text" or "html"))
        {
            Console.Error.WriteLine($"--template.type: '{type}' is not text or html");
            return 1;
        }

        FunctionProfile profile;
        switch (profileName.ToLowerInvariant())
        {
            case "alertmanager":
                profile = FunctionProfile.Alertmanager;
                break;
            case "dingtalk":
                profile = FunctionProfile.DingTalk;
                break;
            default:
                Console.Error.WriteLine($"--profile: '{profileName}' is not alertmanager or dingtalk");
                return 1;
        }

        string? json = null;
        if (dataFile is not null)
        {
            try
            {
                json = File.ReadAllText(dataFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"--template.data: cannot read {dataFile}: {e.Message}");
                return 1;
            }
        }

        try
        {
            var files = globs.SelectMany(Expand).ToList();
            Console.Out.Write(AmtoolCompatibleRenderer.Render(files, text, json, profile, html: type == "html"));
            Console.Out.Flush();
            return 0;
        }
        catch (TemplateException e)
        {
            // amtool's wording (no column), so that the two compare directly.
            Console.Error.WriteLine($"amtool: error: {e.GoMessage}");
            return 1;
        }
    }

    /// <summary>Expands a glob as Go's filepath.Glob does for the common case: wildcards in the file name.</summary>
    internal static IEnumerable<string> Expand(string glob)
    {
        var dir = Path.GetDirectoryName(glob);
        var pattern = Path.GetFileName(glob);
        dir = string.IsNullOrEmpty(dir) ? "." : dir;
        if (!Directory.Exists(dir))
        {
            return [];
        }

        return pattern.IndexOfAny(['*', '?', '[']) < 0
            ? File.Exists(glob) ? [glob] : []
            : Directory.GetFiles(dir, pattern).Order(StringComparer.Ordinal);
    }
}

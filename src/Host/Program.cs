using System.CommandLine;
using Promoter.Host.Cli;
using Promoter.Host.Configuration;

var configOption = () => new Option<string?>("--config", "-c") { Description = "Configuration file (YAML). Without it the embedded default runs." };
var listenOption = () => new Option<string?>("--listen") { Description = "Listen address such as :8080 (overrides listen:)." };
var dataOption = () => new Option<string?>("--data") { Description = "Data folder for state and images (overrides data_dir:; default ./data)." };

var root = new RootCommand("Promoter: Alertmanager notifications with charts, for DingTalk, Slack, webhooks and channel plugins.");
var rootConfig = configOption();
var rootListen = listenOption();
var rootData = dataOption();
root.Options.Add(rootConfig);
root.Options.Add(rootListen);
root.Options.Add(rootData);
root.SetAction((parse, ct) => ServeCommand.RunAsync(parse.GetValue(rootConfig),
    new ConfigOverrides(parse.GetValue(rootListen), parse.GetValue(rootData)), ct));

var serve = new Command("serve", "Run the gateway (the default).");
var serveConfig = configOption();
var serveListen = listenOption();
var serveData = dataOption();
serve.Options.Add(serveConfig);
serve.Options.Add(serveListen);
serve.Options.Add(serveData);
serve.SetAction((parse, ct) => ServeCommand.RunAsync(parse.GetValue(serveConfig),
    new ConfigOverrides(parse.GetValue(serveListen), parse.GetValue(serveData)), ct));
root.Subcommands.Add(serve);

var check = new Command("check-config", "Validate a configuration file, plugin sections included; exit 1 with every error.");
var checkFile = new Argument<string?>("file") { Description = "The configuration file; the embedded default when omitted.", Arity = ArgumentArity.ZeroOrOne };
check.Arguments.Add(checkFile);
check.SetAction(parse => ConfigCommands.CheckConfig(parse.GetValue(checkFile), Console.Out, Console.Error));
root.Subcommands.Add(check);

var plugins = new Command("plugins", "List the plugins found and whether they loaded.");
var pluginsConfig = configOption();
var pluginsDir = new Option<string?>("--plugins-dir") { Description = "Plugins folder (default: plugins_dir of the configuration, or ./plugins beside the executable)." };
plugins.Options.Add(pluginsConfig);
plugins.Options.Add(pluginsDir);
plugins.SetAction(parse => ConfigCommands.ListPlugins(parse.GetValue(pluginsConfig), parse.GetValue(pluginsDir), Console.Out));
root.Subcommands.Add(plugins);

var convert = new Command("convert-config", "Convert a prometheus-webhook-dingtalk or Promoter (Go) configuration to Promoter's.");
var convertFrom = new Option<string>("--from") { Description = "The source: dingtalk (prometheus-webhook-dingtalk) or promoter (Promoter in Go).", Required = true };
var convertFile = new Argument<string>("file") { Description = "The configuration file to convert." };
var convertOut = new Option<string?>("--out") { Description = "Write here instead of standard output." };
convert.Options.Add(convertFrom);
convert.Options.Add(convertOut);
convert.Arguments.Add(convertFile);
convert.SetAction(parse => ConfigCommands.ConvertConfig(parse.GetValue(convertFrom)!, parse.GetValue(convertFile)!, parse.GetValue(convertOut), Console.Out, Console.Error));
root.Subcommands.Add(convert);

ToolCommands.Add(root);

return await root.Parse(args).InvokeAsync();

using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Promoter.Host.Configuration;

/// <summary>
/// <c>promoter convert-config</c>: turns a prometheus-webhook-dingtalk or a Promoter (Go) configuration into
/// Promoter's, keeping the webhook URLs Alertmanager already uses working (PWD: <c>/dingtalk/&lt;target&gt;/send</c>
/// on :8060; Promoter (Go): <c>/webhook</c>). Secrets are carried over as they were written; the output says
/// where a <c>*_file</c> is the better place for them.
/// </summary>
internal static class ConfigConverter
{
    public const string DingTalkSource = "dingtalk";
    public const string PromoterGoSource = "promoter";

    /// <exception cref="FormatException">The file is not YAML of the expected shape; the message says why.</exception>
    public static string Convert(string source, string yaml, string fileName)
    {
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m
                ? m
                : throw new FormatException($"{fileName}: the file must be a YAML mapping");
        }
        catch (YamlException e)
        {
            throw new FormatException($"{fileName}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.InnerException?.Message ?? e.Message}");
        }

        return source switch
        {
            DingTalkSource => FromDingTalk(root, fileName),
            PromoterGoSource => FromPromoterGo(root, fileName),
            _ => throw new FormatException($"--from must be {DingTalkSource} (prometheus-webhook-dingtalk) or {PromoterGoSource} (Promoter in Go)"),
        };
    }

    private static string FromDingTalk(YamlMappingNode root, string fileName)
    {
        var targets = Map(root, "targets") ?? throw new FormatException($"{fileName}: no targets: section; is this a prometheus-webhook-dingtalk configuration?");
        var y = new YamlWriter();
        y.Comment($"Converted by `promoter convert-config --from dingtalk` from {Path.GetFileName(fileName)}.");
        y.Comment("prometheus-webhook-dingtalk listened on :8060 with POST /dingtalk/<target>/send; both keep working.");
        y.Comment("Secrets are copied as written: consider url_file / secret_file (see docs/configuration.md).");
        y.Scalar(0, "listen", ":8060");
        var templates = Seq(root, "templates");
        if (templates.Count > 0)
        {
            y.List(0, "templates", templates);
        }

        var defaultTitle = Str(Map(root, "default_message"), "title");
        var defaultText = Str(Map(root, "default_message"), "text");
        var timeout = Str(root, "timeout");
        y.Key(0, "channels");
        var names = new List<string>();
        foreach (var (keyNode, valueNode) in targets.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            if (valueNode is not YamlMappingNode target)
            {
                throw new FormatException($"{fileName}: targets.{name} is not a mapping");
            }

            names.Add(name);
            y.Key(1, name);
            y.Scalar(2, "type", "dingtalk");
            y.Scalar(2, "url", Str(target, "url") ?? throw new FormatException($"{fileName}: targets.{name}.url is missing"));
            if (Str(target, "secret") is { } secret)
            {
                y.Scalar(2, "secret", secret);
            }

            if (Map(target, "mention") is { } mention)
            {
                if (string.Equals(Str(mention, "all"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    y.Raw(2, "at_all: true");
                }

                if (Seq(mention, "mobiles") is { Count: > 0 } mobiles)
                {
                    y.List(2, "at_mobiles", mobiles);
                }
            }

            if (timeout is not null)
            {
                y.Scalar(2, "timeout", timeout);
            }

            var message = Map(target, "message");
            // Without a message of its own a target used prometheus-webhook-dingtalk's built-in ding.link.*, which the
            // dingtalk profile provides under the same names.
            var title = Str(message, "title") ?? defaultTitle ?? "{{ template \"ding.link.title\" . }}";
            var text = Str(message, "text") ?? defaultText ?? "{{ template \"ding.link.content\" . }}";
            y.Key(2, "template");
            y.Scalar(3, "profile", "dingtalk");
            y.Scalar(3, "title", title);
            y.Scalar(3, "text", text);

        }

        y.Key(0, "receivers");
        foreach (var name in names)
        {
            y.Raw(1, $"- name: {YamlWriter.Quote(name)}");
            y.Raw(2, $"channels: [{YamlWriter.Quote(name)}]");
        }

        return y.ToString();
    }

    private static string FromPromoterGo(YamlMappingNode root, string fileName)
    {
        var y = new YamlWriter();
        y.Comment($"Converted by `promoter convert-config --from promoter` from {Path.GetFileName(fileName)}.");
        y.Comment("Promoter (Go) took every alert on POST /webhook; that URL keeps working (the receiver \"*\" takes any name).");
        y.Comment("Secrets are copied as written: consider access_key_file / secret_key_file / url_file.");
        var port = Str(root, "http_port") ?? "8080";
        y.Scalar(0, "listen", ":" + port);
        var prometheusUrl = Str(root, "prometheus_url") ?? throw new FormatException($"{fileName}: prometheus_url is missing; is this a Promoter (Go) configuration?");
        y.Key(0, "renderers");
        y.Key(1, "prometheus");
        y.Scalar(2, "type", "prometheus");
        y.Scalar(2, "url", prometheusUrl);
        if (Str(root, "timeout") is { } timeout)
        {
            y.Scalar(2, "timeout", timeout);
        }

        if (Str(root, "metric_resolution") is { } points && int.TryParse(points, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p))
        {
            y.Raw(2, $"points: {Math.Clamp(p, 10, 11000).ToString(CultureInfo.InvariantCulture)}");
        }

        string? store = null;
        if (Map(root, "s3") is { } s3)
        {
            store = "s3";
            y.Key(0, "stores");
            y.Key(1, "s3");
            y.Scalar(2, "type", "s3");
            var endpoint = Str(s3, "endpoint") ?? throw new FormatException($"{fileName}: s3.endpoint is missing");
            y.Scalar(2, "endpoint", endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "https://" + endpoint);
            foreach (var key in new[] { "region", "bucket", "access_key", "secret_key" })
            {
                if (Str(s3, key) is { } v)
                {
                    y.Scalar(2, key, v);
                }
            }

            y.Comment("Promoter (Go) linked public-read objects; this store hands out presigned URLs instead.", 2);
        }

        var dingtalk = Map(root, "dingtalk") ?? throw new FormatException($"{fileName}: dingtalk section is missing");
        y.Key(0, "channels");
        y.Key(1, "dingtalk");
        y.Scalar(2, "type", "dingtalk");
        y.Scalar(2, "url", Str(dingtalk, "url") ?? throw new FormatException($"{fileName}: dingtalk.url is missing"));
        if (Str(dingtalk, "secret") is { } secret)
        {
            y.Scalar(2, "secret", secret);
        }

        y.Key(0, "receivers");
        y.Raw(1, "- name: \"*\"");
        y.Raw(2, "renderer: prometheus");
        if (store is not null)
        {
            y.Raw(2, $"store: {store}");
        }

        y.Raw(2, "channels: [dingtalk]");
        return y.ToString();
    }

    private static YamlMappingNode? Map(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v as YamlMappingNode : null;

    private static string? Str(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;

    private static List<string> Seq(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlSequenceNode seq
            ? seq.Children.OfType<YamlScalarNode>().Select(n => n.Value ?? "").ToList()
            : [];

    /// <summary>Writes block YAML with every string double-quoted, so that no value can change the structure.</summary>
    private sealed class YamlWriter
    {
        private readonly StringBuilder _sb = new();

        public void Comment(string text, int depth = 0) => _sb.Append(' ', depth * 2).Append("# ").Append(text).Append('\n');

        public void Key(int depth, string key) => _sb.Append(' ', depth * 2).Append(Quote(key)).Append(":\n");

        public void Scalar(int depth, string key, string value) =>
            _sb.Append(' ', depth * 2).Append(Quote(key)).Append(": ").Append(Quote(value)).Append('\n');

        public void List(int depth, string key, IEnumerable<string> values) =>
            _sb.Append(' ', depth * 2).Append(key).Append(": [").Append(string.Join(", ", values.Select(Quote))).Append("]\n");

        public void Raw(int depth, string line) => _sb.Append(' ', depth * 2).Append(line).Append('\n');

        public static string Quote(string s)
        {
            if (s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return s;
            }

            // Promoter expands ${ENV} in values: a literal "${" from the old file is written "$${".
            s = s.Replace("${", "$${", StringComparison.Ordinal);
            var sb = new StringBuilder(s.Length + 2).Append('"');
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default: sb.Append(c); break;
                }
            }

            return sb.Append('"').ToString();
        }

        public override string ToString() => _sb.ToString();
    }
}

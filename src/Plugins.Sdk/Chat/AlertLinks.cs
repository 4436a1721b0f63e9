using System.Text;
using Promoter.Abstractions.Model;

namespace Promoter.Plugins.Sdk;

/// <summary>
/// The links a message offers its reader: the alert's source (the rule's expression in Prometheus, from
/// <c>generatorURL</c>), a new silence in Alertmanager pre-filled with the group's common labels, and the
/// receiver's alert list. Alertmanager's UI reads the silence matchers from the <c>filter</c> query of its
/// hash route (<c>#/silences/new?filter={a="b",c="d"}</c>), label values quoted like PromQL strings.
/// </summary>
public sealed record AlertLinks(Uri? Source, Uri? Silence, Uri? Alertmanager)
{
    public static AlertLinks For(AlertGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var source = group.Alerts.Select(a => Absolute(a.GeneratorUrl)).FirstOrDefault(u => u is not null);
        var external = Absolute(group.ExternalUrl);
        if (external is null)
        {
            return new AlertLinks(source, null, null);
        }

        var root = external.AbsoluteUri.TrimEnd('/');
        Uri? silence = null;
        var matchers = group.CommonLabels.Count > 0 ? group.CommonLabels : group.GroupLabels;
        if (group.Status == "firing" && matchers.Count > 0)
        {
            var filter = new StringBuilder("{");
            foreach (var (name, value) in matchers.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (filter.Length > 1)
                {
                    filter.Append(',');
                }

                filter.Append(name).Append("=\"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            }

            filter.Append('}');
            silence = Absolute($"{root}/#/silences/new?filter={Uri.EscapeDataString(filter.ToString())}");
        }

        var alerts = Absolute($"{root}/#/alerts?receiver={Uri.EscapeDataString(group.Receiver)}");
        return new AlertLinks(source, silence, alerts);
    }

    private static Uri? Absolute(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) ? u : null;
}

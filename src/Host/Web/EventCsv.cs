using System.Globalization;
using System.Text;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>The events as CSV (RFC 4180), one row per state change, labels and annotations as JSON objects.</summary>
internal static class EventCsv
{
    public const string Header =
        "id,fingerprint,alertname,receiver,status,repeat,starts_at,ends_at,received_at,group_id,labels,annotations\r\n";

    public static void Append(StringBuilder sb, AlertEvent e)
    {
        Field(sb, e.Id.ToString(CultureInfo.InvariantCulture));
        Field(sb, e.Fingerprint);
        Field(sb, e.AlertName);
        Field(sb, e.Receiver);
        Field(sb, e.Status);
        Field(sb, e.Repeat ? "true" : "false");
        Field(sb, e.StartsAt.ToString("o", CultureInfo.InvariantCulture));
        Field(sb, e.EndsAt?.ToString("o", CultureInfo.InvariantCulture) ?? "");
        Field(sb, e.ReceivedAt.ToString("o", CultureInfo.InvariantCulture));
        Field(sb, e.GroupId.ToString(CultureInfo.InvariantCulture));
        Field(sb, Json(e.Labels));
        Field(sb, Json(e.Annotations), last: true);
    }

    private static string Json(IReadOnlyDictionary<string, string> map) =>
        System.Text.Json.JsonSerializer.Serialize(map, EventsJson.Api.IReadOnlyDictionaryStringString);

    private static void Field(StringBuilder sb, string value, bool last = false)
    {
        // A leading =, +, - or @ is prefixed so that a spreadsheet does not run the cell as a formula (CSV injection).
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
        {
            value = "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }

        sb.Append(value).Append(last ? "\r\n" : ",");
    }
}

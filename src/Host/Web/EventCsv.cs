using System.Globalization;
using System.Text;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>The events as CSV (RFC 4180), one row per state change, labels and annotations as JSON objects.</summary>
internal static class EventCsv
{
    public const string Header =
        "id,fingerprint,alertname,receiver,status,repeat,starts_at,ends_at,received_at,group_id,labels,annotations\r\n";

    public static void Append(StringBuilder sb, in AlertEventRow e)
    {
        Field(sb, e.Id.ToString(CultureInfo.InvariantCulture));
        Field(sb, e.Fingerprint);
        Field(sb, e.AlertName);
        Field(sb, e.Receiver);
        Field(sb, e.Status);
        Field(sb, e.Repeat ? "true" : "false");
        Time(sb, e.StartsAt);
        if (e.EndsAt is { } ends)
        {
            Time(sb, ends);
        }
        else
        {
            sb.Append(',');
        }

        Time(sb, e.ReceivedAt);
        Field(sb, e.GroupId.ToString(CultureInfo.InvariantCulture));
        // Labels and annotations as the stored JSON objects: copied, not parsed and written again.
        Field(sb, e.LabelsJson);
        Field(sb, e.AnnotationsJson, last: true);
    }

    /// <summary>An ISO 8601 time ("o"), formatted into the builder without an intermediate string; never needs quoting.</summary>
    private static void Time(StringBuilder sb, DateTimeOffset t)
    {
        Span<char> buffer = stackalloc char[40];
        t.TryFormat(buffer, out var n, "o", CultureInfo.InvariantCulture);
        sb.Append(buffer[..n]).Append(',');
    }

    internal static string Json(IReadOnlyDictionary<string, string> map) =>
        System.Text.Json.JsonSerializer.Serialize(map, EventsJson.Api.IReadOnlyDictionaryStringString);

    private static void Field(StringBuilder sb, string value, bool last = false)
    {
        // A leading =, +, - or @ is prefixed so that a spreadsheet does not run the cell as a formula (CSV injection).
        var formula = value.Length > 0 && value[0] is '=' or '+' or '-' or '@';
        if (value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
        {
            sb.Append('"');
            if (formula)
            {
                sb.Append('\'');
            }

            // Quotes doubled (RFC 4180 2.7) while copying, without building the escaped cell as a string first.
            var rest = value.AsSpan();
            int quote;
            while ((quote = rest.IndexOf('"')) >= 0)
            {
                sb.Append(rest[..(quote + 1)]).Append('"');
                rest = rest[(quote + 1)..];
            }

            sb.Append(rest).Append('"');
        }
        else
        {
            if (formula)
            {
                sb.Append('\'');
            }

            sb.Append(value);
        }

        sb.Append(last ? "\r\n" : ",");
    }
}

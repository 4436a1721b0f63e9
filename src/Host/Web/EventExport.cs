using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Promoter.State;

namespace Promoter.Host.Web;

/// <summary>
/// The complete NDJSON and CSV exports: every matching event from the cursor on, read page by page and written
/// straight into the response as UTF-8, so a million rows never sit in memory and no row becomes an intermediate
/// string. Labels and annotations are copied as the JSON the store keeps when it offers that
/// (<see cref="IAlertEventRows"/>), instead of being parsed into dictionaries and serialized again per row.
/// </summary>
internal static class EventExport
{
    private const int PageSize = 5000;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // As the JSON API writes (EventsJson.Api): the document is data for a program, never HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static async Task WriteAsync(HttpContext context, IAlertEvents events, AlertEventQuery filter, bool csv, long cap, CancellationToken ct)
    {
        var body = context.Response.BodyWriter;
        var text = new StringBuilder(1024 * 1024);
        using var json = new Utf8JsonWriter(body, WriterOptions);
        void Write(in AlertEventRow row)
        {
            if (csv)
            {
                EventCsv.Append(text, row);
            }
            else
            {
                WriteJson(json, body, row);
            }
        }

        if (csv)
        {
            text.Append(EventCsv.Header);
        }

        var query = filter with { Limit = PageSize };
        long written = 0;
        while (written < cap)
        {
            var limit = (int)Math.Min(PageSize, cap - written);
            var count = 0;
            long? next;
            if (events is IAlertEventRows rows)
            {
                next = await rows.ReadEventRowsAsync(query with { Limit = limit }, r =>
                {
                    count++;
                    Write(r);
                }, ct);
            }
            else
            {
                var page = await events.ReadEventsAsync(query with { Limit = limit }, ct);
                foreach (var e in page.Events)
                {
                    count++;
                    Write(ToRow(e));
                }

                next = page.Next;
            }

            if (csv)
            {
                foreach (var chunk in text.GetChunks())
                {
                    Encoding.UTF8.GetBytes(chunk.Span, body);
                }

                text.Clear();
            }

            await body.FlushAsync(ct);
            written += count;
            if (next is not { } cursor)
            {
                break;
            }

            query = query with { After = cursor };
        }
    }

    /// <summary>One NDJSON line with the members and names of <see cref="AlertEvent"/> as the JSON API writes it.</summary>
    private static void WriteJson(Utf8JsonWriter w, IBufferWriter<byte> body, in AlertEventRow r)
    {
        w.Reset(body);
        w.WriteStartObject();
        w.WriteNumber("id"u8, r.Id);
        w.WriteString("fingerprint"u8, r.Fingerprint);
        w.WriteString("alertName"u8, r.AlertName);
        w.WriteString("receiver"u8, r.Receiver);
        w.WriteString("status"u8, r.Status);
        w.WritePropertyName("labels"u8);
        w.WriteRawValue(r.LabelsJson);
        w.WritePropertyName("annotations"u8);
        w.WriteRawValue(r.AnnotationsJson);
        w.WriteString("startsAt"u8, r.StartsAt);
        if (r.EndsAt is { } ends)
        {
            w.WriteString("endsAt"u8, ends);
        }
        else
        {
            w.WriteNull("endsAt"u8);
        }

        w.WriteString("receivedAt"u8, r.ReceivedAt);
        w.WriteNumber("groupId"u8, r.GroupId);
        w.WriteBoolean("repeat"u8, r.Repeat);
        w.WriteEndObject();
        w.Flush();
        body.Write("\n"u8);
    }

    private static AlertEventRow ToRow(AlertEvent e) => new(e.Id, e.Fingerprint, e.AlertName, e.Receiver, e.Status,
        EventCsv.Json(e.Labels), EventCsv.Json(e.Annotations), e.StartsAt, e.EndsAt, e.ReceivedAt, e.GroupId, e.Repeat);
}

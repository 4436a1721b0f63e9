using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Promoter.Testing.Host;

namespace Promoter.Web.Tests;

/// <summary>The events API, its SSE stream and the re-send guard, over HTTP against the real process.</summary>
[Collection(WebCollection.Name)]
public sealed class EventsApiTests(WebFixture web)
{
    private HttpClient Http => web.Promoter.Http;

    [Fact]
    public async Task Events_PagedByCursor_EveryEventOnceInOrder()
    {
        for (var i = 0; i < 7; i++)
        {
            await web.PostAsync("team-b", web.Payload("PagedEvents", $"page{i:D12}"));
        }

        var ids = new List<long>();
        var url = "api/v1/events?alertname=PagedEvents&limit=3";
        for (var pages = 0; url is not null; pages++)
        {
            Assert.True(pages < 5, "paging did not end");
            using var r = await Http.GetAsync(url);
            using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            ids.AddRange(doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
            url = r.Headers.TryGetValues("Link", out var link) ? link.Single().Split('<', '>')[1].TrimStart('/') : null;
            Assert.Equal(url is null, doc.RootElement.GetProperty("next").ValueKind == JsonValueKind.Null);
        }

        Assert.Equal(7, ids.Count);
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(7, ids.Distinct().Count());
    }

    [Fact]
    public async Task Events_NdjsonAndCsv_CompleteExportWithEscaping()
    {
        await web.PostAsync("team-b", web.Payload("ExportEvents", "expo000000000001", description: "=HYPERLINK(\"x\"), \"quoted\"\nnext line"));
        await web.PostAsync("team-b", web.Payload("ExportEvents", "expo000000000002"));

        var ndjson = (await Http.GetStringAsync("api/v1/events?alertname=ExportEvents&format=ndjson")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var csv = await Http.GetStringAsync("api/v1/events?alertname=ExportEvents&format=csv");

        Assert.Equal(2, ndjson.Length);
        using var first = JsonDocument.Parse(ndjson[0]);
        Assert.Equal(("expo000000000001", "ExportEvents", "team-b", "firing", false),
            (first.RootElement.GetProperty("fingerprint").GetString(), first.RootElement.GetProperty("alertName").GetString(),
             first.RootElement.GetProperty("receiver").GetString(), first.RootElement.GetProperty("status").GetString(),
             first.RootElement.GetProperty("repeat").GetBoolean()));
        Assert.StartsWith("id,fingerprint,alertname,receiver,status,repeat,starts_at,ends_at,received_at,group_id,labels,annotations\r\n", csv, StringComparison.Ordinal);
        Assert.Equal(3, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("\"\"quoted\\\"\"", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_NdjsonAndCsvExport_SameEventsAsTheJsonPages()
    {
        // The exports copy labels and annotations as stored; the JSON pages parse them: both must say the same.
        await web.PostAsync("team-b", web.Payload("ExportSame", "same000000000001", description: "磁盘 \"full\" \\ <b>, =1+1\ttab"));
        await web.PostAsync("team-b", web.Payload("ExportSame", "same000000000001", status: "resolved"));

        var page = System.Text.Json.Nodes.JsonNode.Parse(await Http.GetStringAsync("api/v1/events?alertname=ExportSame"))!["events"]!.AsArray();
        var lines = (await Http.GetStringAsync("api/v1/events?alertname=ExportSame&format=ndjson")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var csv = (await Http.GetStringAsync("api/v1/events?alertname=ExportSame&format=csv")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, page.Count);
        Assert.Equal(page.Count, lines.Length);
        for (var i = 0; i < page.Count; i++)
        {
            var line = System.Text.Json.Nodes.JsonNode.Parse(lines[i]);
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(page[i], line), $"page: {page[i]!.ToJsonString()}\nndjson: {lines[i]}");
        }

        Assert.Equal(3, csv.Length);
        Assert.StartsWith(page[1]!["id"]!.GetValue<long>() + ",same000000000001,ExportSame,team-b,resolved,false,", csv[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"template\": \"x\", \"channel\": \"nosuch\"}", "channel: 'nosuch' is not configured; configured: hook, flaky, log, ding")]
    [InlineData("{\"template\": \"x\", \"channel\": \"ding\", \"field\": \"html\"}", "field: a dingtalk channel's template has text, title, not 'html'")]
    [InlineData("{\"template\": \"x\", \"channel\": \"log\"}", "channel: 'log' (type log) has no template to preview")]
    [InlineData("{\"template\": \"{{ .Nope | nosuch }}\", \"channel\": \"ding\"}", "template: preview:1:")]
    public async Task Preview_BadChannelRequest_422NamesTheProblem(string body, string expected)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var r = await Http.PostAsync("api/v1/templates/preview", content);
        var text = await r.Content.ReadAsStringAsync();

        Assert.Equal(422, (int)r.StatusCode);
        Assert.Contains(expected, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_ChannelWithEmptyTemplate_UsesTheChannelsBuiltInTemplate()
    {
        using var content = new StringContent("{\"template\": \"\", \"channel\": \"slack\"}", System.Text.Encoding.UTF8, "application/json");
        using var r = await Http.PostAsync("api/v1/templates/preview", content);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        using var payload = JsonDocument.Parse(doc.RootElement.GetProperty("channel").GetProperty("requests")[0].GetProperty("body").GetString()!);

        Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal("", doc.RootElement.GetProperty("output").GetString());
        Assert.Equal("header", payload.RootElement.GetProperty("blocks")[0].GetProperty("type").GetString());
        Assert.Contains("HighLatency", payload.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_DingTalkChannel_ExactPayloadWithTheTokenMasked()
    {
        using var content = new StringContent("{\"template\": \"**{{ .Status }}** {{ len .Alerts }}\", \"channel\": \"ding\"}", System.Text.Encoding.UTF8, "application/json");
        using var r = await Http.PostAsync("api/v1/templates/preview", content);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        var channel = doc.RootElement.GetProperty("channel");
        var request = channel.GetProperty("requests")[0];
        using var payload = JsonDocument.Parse(request.GetProperty("body").GetString()!);

        Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal("dingtalk", channel.GetProperty("type").GetString());
        Assert.Equal("markdown", payload.RootElement.GetProperty("msgtype").GetString());
        Assert.Equal("**firing** 2", payload.RootElement.GetProperty("markdown").GetProperty("text").GetString());
        Assert.EndsWith("/robot/send?access_token=***", request.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ding-token-0001", doc.RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(web.Sink.Requests, q => q.Path.StartsWith("/robot", StringComparison.Ordinal)); // nothing sent
    }

    [Theory]
    [InlineData("status=maybe", "status: 'maybe' is neither firing nor resolved")]
    [InlineData("since=yesterday", "since: 'yesterday' is neither an RFC 3339 time")]
    [InlineData("limit=0", "limit must be a number from 1 to 10000")]
    [InlineData("format=xml", "format must be json, ndjson or csv")]
    [InlineData("after=-1", "after: '-1' is not an event id")]
    public async Task Events_BadQuery_400NamingTheParameter(string query, string message)
    {
        using var r = await Http.GetAsync("api/v1/events?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains(message, await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventStream_NewWebhook_ArrivesAndResumesAfterLastEventId()
    {
        using var first = await OpenStreamAsync("api/v1/events/stream?alertname=StreamEvents", null);
        await web.PostAsync("team-b", web.Payload("StreamEvents", "strm000000000001"));
        await web.PostAsync("team-b", web.Payload("StreamEvents", "strm000000000002"));
        var a = await first.NextAsync();
        var b = await first.NextAsync();
        Assert.Equal(("strm000000000001", "strm000000000002"), (Fingerprint(a), Fingerprint(b)));

        // A reconnect with Last-Event-ID gets what came after it, not what it saw, not only what is new.
        using var resumed = await OpenStreamAsync("api/v1/events/stream?alertname=StreamEvents", a.Id);
        var again = await resumed.NextAsync();
        Assert.Equal(b.Id, again.Id);
    }

    [Theory]
    [InlineData(false, "application/json", null, "needs the header X-Promoter-Request")]
    [InlineData(true, "application/x-www-form-urlencoded", null, "needs Content-Type: application/json")]
    [InlineData(true, "application/json", "http://evil.example", "cross-site request from http://evil.example refused")]
    public async Task Resend_CrossSiteShapedRequest_403(bool header, string contentType, string? origin, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/deliveries/1/resend") { Content = new StringContent("{}", Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (header)
        {
            request.Headers.Add("X-Promoter-Request", "resend");
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var r = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains(message, await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("999999", HttpStatusCode.NotFound, "no delivery 999999")]
    [InlineData("abc", HttpStatusCode.BadRequest, "'abc' is not a delivery id")]
    public async Task Resend_UnknownDelivery_ClearError(string id, HttpStatusCode status, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/deliveries/{id}/resend") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Promoter-Request", "resend");

        using var r = await Http.SendAsync(request);

        Assert.Equal(status, r.StatusCode);
        Assert.Contains(message, await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScopeAll_PagesApiStreamAndAssets_RequireCredentials()
    {
        await using var promoter = await PromoterProcess.StartAsync("""
            auth: { basic_auth: { username: am, password: s3cret }, scope: all }
            channels:
              log: { type: log }
            receivers:
              - name: ops
                channels: [log]
            """);
        string[] paths = ["/", "/alerts/x", "/report", "/playground", "/ui/app.js", "/api/v1/events", "/api/v1/events/stream", "/api/v1/report", "/api/v1/receivers", "/ui/images/1/0"];
        foreach (var path in paths)
        {
            using var anonymous = await promoter.Http.GetAsync(path);
            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"{path} answered {(int)anonymous.StatusCode} without credentials");
        }

        using var post = await promoter.Http.PostAsync("/api/v1/deliveries/1/resend", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);

        promoter.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("am:s3cret")));
        using var page = await promoter.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var events = await promoter.Http.GetAsync("/api/v1/events");
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
    }

    [Fact]
    public async Task PythonFollower_DocsExample_PrintsReplayedAndLiveEvents()
    {
        var python = Promoter.Testing.Infrastructure.RequiredTool.Find("python3", "apt-get install python3");
        await web.PostAsync("team-b", web.Payload("PythonFollow", "pyth000000000001"));
        await using var follower = Promoter.Testing.Infrastructure.ChildProcess.Start(python,
            [Promoter.Testing.Infrastructure.TestPaths.TestData("..", "..", "examples", "follow_events.py"),
             "--url", web.Promoter.BaseUrl.ToString(), "--alertname", "PythonFollow", "--from-start", "--max-events", "2"]);
        await web.Promoter.WaitUntilAsync(() => follower.Output.Contains("\tfiring\tPythonFollow\tteam-b", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the follower to replay the first event");

        await web.PostAsync("team-b", web.Payload("PythonFollow", "pyth000000000001", status: "resolved"));

        Assert.Equal(0, await follower.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("\tresolved\tPythonFollow\tteam-b", follower.Output, StringComparison.Ordinal);
        Assert.Contains("1 alerts seen, 0 firing", follower.Output, StringComparison.Ordinal);
    }

    private static string Fingerprint(SseEvent e)
    {
        using var doc = JsonDocument.Parse(e.Data);
        return doc.RootElement.GetProperty("fingerprint").GetString()!;
    }

    private async Task<SseReader> OpenStreamAsync(string path, string? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseReader(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    private sealed record SseEvent(string Id, string Data);

    /// <summary>Reads Server-Sent Events as the HTML spec frames them (fields, blank line ends an event).</summary>
    private sealed class SseReader(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public async Task<SseEvent> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            string? id = null;
            var data = new StringBuilder();
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("the stream ended");
                if (line.Length == 0)
                {
                    if (data.Length > 0)
                    {
                        return new SseEvent(id ?? "", data.ToString());
                    }

                    continue;
                }

                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line[6..]);
                }
            }
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }
}

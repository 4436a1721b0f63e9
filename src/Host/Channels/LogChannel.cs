using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Templating;
using Promoter.Host.Templates;

namespace Promoter.Host.Channels;

/// <summary>
/// The built-in <c>log</c> channel: writes each rendered notification to the log and appends it as one JSON
/// line to a file (default <c>&lt;data&gt;/notifications.jsonl</c>). Needs no credentials, so the embedded
/// default runs anywhere; also handy to see exactly what a template produces.
/// </summary>
internal sealed partial class LogChannel : IChannel
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly Lock FileLock = new();
    private readonly ChannelTemplates _templates;
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public LogChannel(string name, ChannelTemplates templates, string path, ILogger logger, TimeProvider time)
    {
        Name = name;
        _templates = templates;
        _path = path;
        _logger = logger;
        _time = time;
    }

    public string Name { get; }

    public ValueTask<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var input = new TemplateInput(notification.Group) { Images = notification.Images };
        var (title, text) = _templates.Render(input, notification);
        LogNotification(_logger, Name, notification.Group.Receiver, notification.Group.Status, title, text);
        var line = JsonSerializer.Serialize(new LogLine
        {
            Time = _time.GetUtcNow(),
            Channel = Name,
            DeliveryId = notification.DeliveryId,
            Receiver = notification.Group.Receiver,
            Status = notification.Group.Status,
            GroupKey = notification.Group.GroupKey,
            Alerts = notification.Group.Alerts.Select(a => a.Name).ToList(),
            Title = title,
            Text = text,
            Images = notification.Images.Select(i => new LogImage(i.AlertIndex, i.Title, i.Url?.ToString())).ToList(),
            Notes = notification.Notes,
        }, JsonOptions);
        try
        {
            lock (FileLock)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                stream.Write(bytes);
                // Written through to the OS, not fsynced: this is a log of what was sent; the outbox, not
                // this file, carries the delivery promise (an fsync per line would halve intake throughput).
                stream.Flush();
            }
        }
        catch (IOException e)
        {
            return ValueTask.FromResult(DeliveryResult.Transient($"cannot append to {_path}: {e.Message}"));
        }
        catch (UnauthorizedAccessException e)
        {
            return ValueTask.FromResult(DeliveryResult.Permanent($"cannot write {_path}: {e.Message}"));
        }

        return ValueTask.FromResult(DeliveryResult.Success());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "[{Channel}] {Receiver} {Status}: {Title}\n{Text}")]
    private static partial void LogNotification(ILogger logger, string channel, string receiver, string status, string title, string text);

    private sealed record LogImage(int Alert, string Title, string? Url);

    private sealed class LogLine
    {
        public DateTimeOffset Time { get; init; }
        public string Channel { get; init; } = "";
        public string DeliveryId { get; init; } = "";
        public string Receiver { get; init; } = "";
        public string Status { get; init; } = "";
        public string GroupKey { get; init; } = "";
        public List<string> Alerts { get; init; } = [];
        public string Title { get; init; } = "";
        public string Text { get; init; } = "";
        public List<LogImage> Images { get; init; } = [];
        public IReadOnlyList<string> Notes { get; init; } = [];
    }
}

/// <summary>Creates <c>type: log</c> channels.</summary>
internal sealed class LogChannelFactory(string dataDirectory) : ChannelFactory<LogChannelFactory.Prepared>
{
    public override string Type => "log";

    protected override Prepared? Prepare(ChannelSetup setup)
    {
        var path = setup.Settings.GetString("path") is { } p ? Path.GetFullPath(p, dataDirectory) : Path.Combine(dataDirectory, "notifications.jsonl");
        return new Prepared(path, ChannelTemplates.Read(setup, "promoter.log.title", "promoter.log.text"));
    }

    protected override IChannel Build(Prepared prepared, ChannelSetup setup)
    {
        var services = setup.Services;
        return new LogChannel(setup.Name, prepared.Templates, prepared.Path,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Promoter.Channels.Log"),
            services.GetService<TimeProvider>() ?? TimeProvider.System);
    }

    internal sealed record Prepared(string Path, ChannelTemplates Templates);
}

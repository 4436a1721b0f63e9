namespace Promoter.Abstractions.Channels;

/// <summary>
/// What a storm digest says beyond the alerts it shows in full: how many notifications it replaces, counts by alert
/// name and severity, and one line (with a link to the alert's page) for every alert not shown in full. Every alert
/// of every merged notification is either in <see cref="Notification.Group"/> or in <see cref="Others"/>.
/// </summary>
public sealed record NotificationDigest
{
    /// <summary>How many queued notifications (alert groups) this message replaces.</summary>
    public required int Notifications { get; init; }

    /// <summary>Alerts across those notifications, and how many of them fire or are resolved.</summary>
    public required int Alerts { get; init; }
    public required int Firing { get; init; }
    public required int Resolved { get; init; }

    /// <summary>Counts per alert name and severity, largest first.</summary>
    public required IReadOnlyList<DigestCount> Counts { get; init; }

    /// <summary>Alerts listed but not shown in full, most severe first.</summary>
    public required IReadOnlyList<DigestEntry> Others { get; init; }

    /// <summary>Alerts neither shown in full nor listed, to keep the message within the service's size limit; they
    /// are in <see cref="Counts"/> and on the page <see cref="AlertsLink"/> opens.</summary>
    public int Unlisted { get; init; }

    /// <summary>Promoter's web page listing the receiver's alerts, or null when no public URL is known.</summary>
    public string? AlertsLink { get; init; }

    /// <summary>How many charts the digest left out to stay within the chart budget (0 when none).</summary>
    public int ChartsOmitted { get; init; }
}

/// <summary>How many alerts of one name and severity the digest covers.</summary>
public sealed record DigestCount(string AlertName, string Severity, int Firing, int Resolved);

/// <summary>One alert the digest lists without its details; <see cref="Link"/> opens its page on Promoter's web page.</summary>
public sealed record DigestEntry(string AlertName, string Severity, string Status, string Summary, string Fingerprint, string? Link);

/// <summary>Names of the template extras the host and channels agree on.</summary>
public static class TemplateExtras
{
    /// <summary>The <see cref="NotificationDigest"/> of a digest message (<c>{{ .Digest.Alerts }}</c>, <c>{{ range .Digest.Counts }}</c>).</summary>
    public const string Digest = "Digest";
}

using System.Security.Cryptography.X509Certificates;
using MimeKit;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;

namespace Promoter.Channel.Email;

/// <summary>How the SMTP connection is secured.</summary>
internal enum EmailTls
{
    /// <summary>Plain connection upgraded with STARTTLS, which the server must offer (RFC 3207; submission port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (RFC 8314 "implicit TLS"; port 465).</summary>
    Implicit,

    /// <summary>No TLS at all: only for a relay on the same host or network. Credentials are refused in this mode.</summary>
    None,
}

/// <summary>The options of a <c>type: email</c> channel.</summary>
internal sealed record EmailOptions
{
    public const string DefaultSubjectTemplate = "{{ template \"email.promoter.subject\" . }}";
    public const string DefaultHtmlTemplate = "{{ template \"email.promoter.html\" . }}";
    public const string DefaultTextTemplate = "{{ template \"email.promoter.text\" . }}";

    /// <summary>Header names the channel sets itself; a configured header must not replace them.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Subject", "Message-ID", "Date", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "In-Reply-To", "References",
    };

    public required string Host { get; init; }
    public int Port { get; init; } = 587;
    public EmailTls Tls { get; init; } = EmailTls.StartTls;
    public bool InsecureSkipVerify { get; init; }
    public X509Certificate2Collection? CaCertificates { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public required MailboxAddress From { get; init; }
    public required IReadOnlyList<MailboxAddress> To { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public string Hello { get; init; } = "localhost";
    public string SubjectTemplate { get; init; } = DefaultSubjectTemplate;
    public string HtmlTemplate { get; init; } = DefaultHtmlTemplate;
    public string TextTemplate { get; init; } = DefaultTextTemplate;
    public string TemplateProfile { get; init; } = TemplateProfiles.Alertmanager;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound of the whole message: most providers refuse more than 10–25 MB (Gmail 25 MB, Exchange Online 25 MB by default after encoding).</summary>
    public long MaxMessageBytes { get; init; } = 10 * 1024 * 1024;

    public static EmailOptions? Read(PluginSettings s)
    {
        var host = s.RequireString("host", "write the SMTP server's host name, such as smtp.example.com");
        var tlsWord = s.GetChoice("tls", "", "starttls", "implicit", "none");
        var port = s.GetInt("port", tlsWord == "implicit" ? 465 : 587, 1, 65535);
        // Port 465 is implicit TLS by RFC 8314; everything else defaults to STARTTLS (required, as Alertmanager's require_tls).
        var tls = tlsWord switch
        {
            "implicit" => EmailTls.Implicit,
            "none" => EmailTls.None,
            "starttls" => EmailTls.StartTls,
            _ => port == 465 ? EmailTls.Implicit : EmailTls.StartTls,
        };
        var skipVerify = s.GetBool("tls_insecure_skip_verify", false);
        var caFile = s.GetString("ca_file");
        X509Certificate2Collection? ca = null;
        if (caFile is not null)
        {
            try
            {
                ca = [];
                ca.ImportFromPemFile(caFile);
                if (ca.Count == 0)
                {
                    s.AddError("ca_file", $"'{caFile}' holds no PEM certificate", "write the CA certificate(s) in PEM form (-----BEGIN CERTIFICATE-----)");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                s.AddError("ca_file", $"cannot read '{caFile}': {e.Message}", "give a readable PEM file with the CA that signed the server's certificate");
                ca = null;
            }
        }

        var username = s.GetString("username");
        var password = s.GetSecret("password");
        if (password is not null && username is null)
        {
            s.AddError("username", "'password' is set without 'username'", "set username as well, or remove the password");
        }
        else if (username is not null && password is null && !s.Diagnostics.HasErrors)
        {
            s.AddError("password", "'username' is set without 'password'", "set password_file (or password) as well, or remove the username");
        }

        if (tls == EmailTls.None && username is not null)
        {
            // SMTP AUTH PLAIN/LOGIN over a plain connection would send the password in clear.
            s.AddError("tls", "'tls: none' with a username would send the password unencrypted",
                "use tls: starttls (port 587) or tls: implicit (port 465), or relay without authentication");
        }

        var from = Address(s, "from", s.RequireString("from", "write the sender address, such as alerts@example.com or \"Alerts <alerts@example.com>\""));
        var toList = new List<MailboxAddress>();
        var toValues = s.GetStringList("to");
        if (toValues.Count == 0)
        {
            s.AddError("to", "'to' is required", "write one or more recipient addresses: to: [ops@example.com, sre@example.com]");
        }

        for (var i = 0; i < toValues.Count; i++)
        {
            // A single scalar may hold several addresses separated by commas, as in Alertmanager's email_configs.
            foreach (var part in toValues[i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Address(s, toValues.Count == 1 ? "to" : $"to[{i}]", part) is { } a)
                {
                    toList.Add(a);
                }
            }
        }

        var headers = s.GetStringMap("headers");
        foreach (var (name, value) in headers)
        {
            if (ReservedHeaders.Contains(name))
            {
                s.AddError($"headers.{name}", $"header '{name}' is set by the channel", name.Equals("Subject", StringComparison.OrdinalIgnoreCase)
                    ? "write the subject under template.subject" : "remove it from headers");
            }
            else if (name.Length == 0 || name.Any(c => c <= ' ' || c == ':' || c > '~'))
            {
                s.AddError($"headers.{name}", $"'{name}' is not a valid header name", "use printable ASCII without spaces or ':' (RFC 5322 2.2)");
            }
            else if (value.Contains('\r', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal))
            {
                s.AddError($"headers.{name}", "a header value cannot contain a line break", "write the value on one line");
            }
        }

        var hello = s.GetString("hello") ?? "localhost";
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        var maxBytes = s.GetByteSize("max_message_size", 10 * 1024 * 1024, 16 * 1024, 100L * 1024 * 1024);
        var lang = s.GetChoice("lang", "en", "en", "zh");
        var suffix = lang == "zh" ? ".zh" : "";
        string subject = DefaultSubjectTemplate.Replace("subject\"", "subject" + suffix + "\"", StringComparison.Ordinal),
            html = DefaultHtmlTemplate.Replace("html\"", "html" + suffix + "\"", StringComparison.Ordinal),
            text = DefaultTextTemplate.Replace("text\"", "text" + suffix + "\"", StringComparison.Ordinal),
            profile = TemplateProfiles.Alertmanager;
        if (s.GetSection("template") is { } t)
        {
            subject = t.GetString("subject") ?? subject;
            html = t.GetString("html") ?? html;
            text = t.GetString("text") ?? text;
            profile = t.GetChoice("profile", TemplateProfiles.Alertmanager, TemplateProfiles.Alertmanager, TemplateProfiles.DingTalk);
        }

        if (host is null || from is null || toList.Count == 0 || s.Diagnostics.HasErrors)
        {
            return null;
        }

        return new EmailOptions
        {
            Host = host.Trim(),
            Port = port,
            Tls = tls,
            InsecureSkipVerify = skipVerify,
            CaCertificates = ca,
            Username = username,
            Password = password,
            From = from,
            To = toList,
            Headers = headers,
            Hello = hello,
            SubjectTemplate = subject,
            HtmlTemplate = html,
            TextTemplate = text,
            TemplateProfile = profile,
            Timeout = timeout,
            MaxMessageBytes = maxBytes,
        };
    }

    private static MailboxAddress? Address(PluginSettings s, string key, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (MailboxAddress.TryParse(ParserOptions.Default, value, out var address) && address.Address.Contains('@', StringComparison.Ordinal))
        {
            return address;
        }

        s.AddError(key, $"'{value}' is not an e-mail address", "write an address such as ops@example.com or \"Ops <ops@example.com>\"");
        return null;
    }
}

using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Templating;
using Promoter.Testing.Channels;

namespace Promoter.Channel.Email.Tests;

/// <summary>What `promoter check-config` reports for an e-mail section: the path, what is wrong and the fix.</summary>
public sealed class EmailOptionsTests
{
    private static readonly (string Key, object? Value)[] Valid =
    [
        ("host", "smtp.example.com"), ("from", "alerts@example.com"), ("to", new[] { "ops@example.com" }),
    ];

    private static SettingsMapping With(params (string Key, object? Value)[] changes)
    {
        var pairs = Valid.Where(v => !changes.Any(c => c.Key == v.Key)).Concat(changes.Where(c => c.Value is not null)).ToArray();
        return SettingsBuilder.FromPairs(pairs);
    }

    public static TheoryData<string, string, string, string> Invalid() => new()
    {
        // case, path, message fragment, fix fragment
        { "no-host", "channels.test.host", "'host' is required", "SMTP server" },
        { "no-from", "channels.test.from", "'from' is required", "sender address" },
        { "bad-from", "channels.test.from", "'not an address' is not an e-mail address", "ops@example.com" },
        { "no-to", "channels.test.to", "'to' is required", "recipient" },
        { "bad-to-item", "channels.test.to[1]", "'nobody' is not an e-mail address", "ops@example.com" },
        { "bad-tls", "channels.test.tls", "'ssl' is not one of starttls, implicit, none", "starttls" },
        { "bad-port", "channels.test.port", "", "" },
        { "password-without-user", "channels.test.username", "'password' is set without 'username'", "username" },
        { "user-without-password", "channels.test.password", "'username' is set without 'password'", "password_file" },
        { "auth-without-tls", "channels.test.tls", "unencrypted", "tls: starttls" },
        { "subject-header", "channels.test.headers.Subject", "set by the channel", "template.subject" },
        { "bad-header-name", "channels.test.headers.X Bad", "not a valid header name", "RFC 5322" },
        { "missing-ca-file", "channels.test.ca_file", "cannot read", "PEM" },
        { "unknown-key", "channels.test.smarthost", "", "" },
        { "bad-lang", "channels.test.lang", "'fr' is not one of en, zh", "en, zh" },
    };

    private static SettingsMapping Case(string name) => name switch
    {
        "no-host" => With(("host", null)),
        "no-from" => With(("from", null)),
        "bad-from" => With(("from", "not an address")),
        "no-to" => With(("to", null)),
        "bad-to-item" => With(("to", new[] { "ops@example.com", "nobody" })),
        "bad-tls" => With(("tls", "ssl")),
        "bad-port" => With(("port", 70000)),
        "password-without-user" => With(("password", "pw-1234")),
        "user-without-password" => With(("username", "alerts")),
        "auth-without-tls" => With(("tls", "none"), ("username", "alerts"), ("password", "pw-1234")),
        "subject-header" => With(("headers", new Dictionary<string, string> { ["Subject"] = "x" })),
        "bad-header-name" => With(("headers", new Dictionary<string, string> { ["X Bad"] = "x" })),
        "missing-ca-file" => With(("ca_file", "/nonexistent/promoter-ca.pem")),
        "unknown-key" => With(("smarthost", "smtp.example.com:587")),
        "bad-lang" => With(("lang", "fr")),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Create_InvalidSection_ReportsPathMessageAndFix(string name, string path, string message, string fix)
    {
        using var context = new ChannelTestContext(new EmailPlugin());
        var (_, errors) = context.TryCreate("email", Case(name));

        var error = Assert.Single(errors, e => e.Path == path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains(fix, error.Fix, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(error.Fix));
    }

    [Fact]
    public void Create_HtmlTemplateWithAmbiguousHtml_ReportsHtmlTemplateError()
    {
        using var context = new ChannelTestContext(new EmailPlugin(), templates: new GoEngineTemplates());
        var (_, errors) = context.TryCreate("email", With(("template", new Dictionary<string, object?> { ["html"] = "<a href=\"{{ .ExternalURL }}" })));

        var error = Assert.Single(errors);
        Assert.Equal("channels.test.template.html", error.Path);
        Assert.Contains("ends in a non-text context", error.Message, StringComparison.Ordinal);
        Assert.Contains("--template.type=html", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_DefaultSection_CompilesSubjectAndTextAsTextAndBodyAsHtml()
    {
        var templates = new GoEngineTemplates();
        using var context = new ChannelTestContext(new EmailPlugin(), templates: templates);
        var (_, errors) = context.TryCreate("email", With(("port", 465)));

        Assert.Empty(errors);
        // Validate compiles them (a template error is a configuration error), Create again for the channel it builds.
        Assert.Equal([("channels.test.template.subject", false), ("channels.test.template.html", true), ("channels.test.template.text", false)],
            templates.CompiledFields.Distinct());
    }

    [Fact]
    public void Create_AddressListInOneString_SplitLikeAlertmanager()
    {
        using var context = new ChannelTestContext(new EmailPlugin());
        var (_, errors) = context.TryCreate("email", With(("to", "a@example.com, b@example.com")));

        Assert.Empty(errors);
    }
}

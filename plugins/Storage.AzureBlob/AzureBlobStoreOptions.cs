using Azure.Storage.Blobs;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.AzureBlob;

/// <summary>How the store proves who it is to the Blob service.</summary>
internal enum AzureBlobCredential
{
    /// <summary>The account name and key (Shared Key): can also sign SAS links.</summary>
    SharedKey,

    /// <summary>A SAS token given by the operator: cannot sign links of its own.</summary>
    Sas,

    /// <summary>A connection string; it signs links when it carries an AccountKey.</summary>
    ConnectionString,
}

/// <summary>What kind of link <see cref="IImageStore.SaveAsync"/> returns.</summary>
internal enum AzureBlobLinks
{
    /// <summary>A read-only service SAS for the one blob, valid for <see cref="AzureBlobStoreOptions.SasExpiry"/>.</summary>
    Sas,

    /// <summary>The blob's plain URL (the container allows anonymous blob reads) or <c>public_url</c>/key.</summary>
    Public,
}

/// <summary>The settings of a <c>type: azure_blob</c> store.</summary>
internal sealed record AzureBlobStoreOptions
{
    public static readonly TimeSpan DefaultSasExpiry = TimeSpan.FromDays(7);

    /// <summary>
    /// A service SAS signed with the account key has no upper bound on its lifetime, but a link that outlives
    /// any chat history is a leak, and revoking one means rotating the account key: a year is plenty.
    /// </summary>
    public static readonly TimeSpan MaxSasExpiry = TimeSpan.FromDays(365);

    public AzureBlobCredential Credential { get; init; }

    /// <summary>The Blob service URL (https://account.blob.core.windows.net, or Azurite's http://host:port/account).</summary>
    public Uri? AccountUrl { get; init; }

    public string? AccountName { get; init; }
    public string? AccountKey { get; init; }
    public string? Sas { get; init; }
    public string? ConnectionString { get; init; }

    public required string Container { get; init; }

    /// <summary>Blob name prefix without slashes at either end; empty for the container's root.</summary>
    public string Prefix { get; init; } = "promoter";

    public bool CreateContainer { get; init; } = true;
    public AzureBlobLinks Links { get; init; } = AzureBlobLinks.Sas;

    /// <summary>Base URL for public links (a CDN or a custom domain); null for the blob's own URL.</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>The <c>public:</c> setting; null to judge by the address links are built on.</summary>
    public bool? Public { get; init; }

    public TimeSpan SasExpiry { get; init; } = DefaultSasExpiry;

    /// <summary>
    /// The Blob REST API version the client speaks. Pinned, not the SDK's newest: Azurite 3.37 (and Azure Stack)
    /// refuse versions newer than they know with InvalidHeaderValue, and an SDK upgrade should not change the
    /// protocol under a running store.
    /// </summary>
    public BlobClientOptions.ServiceVersion ServiceVersion { get; init; } = DefaultServiceVersion;

    public const BlobClientOptions.ServiceVersion DefaultServiceVersion = BlobClientOptions.ServiceVersion.V2026_06_06;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxRetries { get; init; } = 3;
    public long MaxBytes { get; init; } = ImageContent.DefaultMaxBytes;
    public TimeSpan? Retention { get; init; }

    /// <summary>Where errors say the store is: the account and container, never a key or a token.</summary>
    public string Where => $"container '{Container}' of {(AccountName is null ? "the account" : $"account '{AccountName}'")}" +
        (AccountUrl is null ? "" : $" at {AccountUrl.GetLeftPart(UriPartial.Authority)}");

    /// <summary>Reads the settings; problems go to the diagnostics (the host refuses to start with any).</summary>
    public static AzureBlobStoreOptions Read(PluginSettings s)
    {
        var accountUrl = s.GetUrl("account_url", fix: "write the Blob service URL, such as https://myaccount.blob.core.windows.net");
        if (accountUrl is not null && (accountUrl.Query.Length > 0 || accountUrl.Fragment.Length > 0))
        {
            // A SAS pasted into the URL would end up in error messages and logs: it belongs in sas_file.
            s.AddError("account_url", "'account_url' carries a query string", "write the URL without '?…'; put a SAS token in 'sas' or 'sas_file'");
            accountUrl = null;
        }

        var key = s.GetSecret("account_key");
        var sas = s.GetSecret("sas");
        var connectionString = s.GetSecret("connection_string");
        var accountName = s.GetString("account_name")?.Trim();

        var given = new[] { key is null ? null : "account_key", sas is null ? null : "sas", connectionString is null ? null : "connection_string" }
            .OfType<string>().ToList();
        var credential = AzureBlobCredential.SharedKey;
        if (given.Count > 1)
        {
            s.AddError(given[1], $"'{given[0]}' and '{given[1]}' are both set", "give one way to authenticate: account_key, sas or connection_string (or their _file variants)");
        }
        else if (given.Count == 0)
        {
            if (!s.Diagnostics.Errors.Any(e => e.Path.EndsWith("_file", StringComparison.Ordinal)))
            {
                s.AddError("account_key", "no credentials: none of 'account_key', 'sas' and 'connection_string' is set",
                    "set account_url with account_key_file (Shared Key), account_url with sas_file (a SAS token), or connection_string_file");
            }
        }
        else
        {
            credential = given[0] switch
            {
                "sas" => AzureBlobCredential.Sas,
                "connection_string" => AzureBlobCredential.ConnectionString,
                _ => AzureBlobCredential.SharedKey,
            };
        }

        if ((credential is AzureBlobCredential.SharedKey or AzureBlobCredential.Sas) && given.Count == 1 && accountUrl is null && !s.Has("account_url"))
        {
            s.AddError("account_url", $"'account_url' is required with '{given[0]}'", "write the Blob service URL, such as https://myaccount.blob.core.windows.net");
        }

        if (credential == AzureBlobCredential.ConnectionString && connectionString is not null)
        {
            if (accountUrl is not null)
            {
                s.AddError("account_url", "'account_url' and 'connection_string' are both set", "remove account_url: the connection string names the endpoint (BlobEndpoint or AccountName)");
            }

            (accountName, key, accountUrl) = ParseConnectionString(s, connectionString, accountName);
        }

        if (credential == AzureBlobCredential.Sas && sas is not null)
        {
            sas = sas.TrimStart('?');
            if (!sas.Contains("sig=", StringComparison.Ordinal))
            {
                s.AddError("sas", "the SAS token has no 'sig=' field (not shown: it is a secret)",
                    "write the SAS token as the portal or `az storage container generate-sas` gives it: sv=…&sp=…&sig=…");
            }
        }

        if (credential == AzureBlobCredential.SharedKey && key is not null)
        {
            if (!IsBase64(key))
            {
                s.AddError("account_key", "the account key is not base64 (not shown: it is a secret)", "copy key1 or key2 of the storage account's Access keys");
            }

            accountName ??= accountUrl is null ? null : AccountNameFromUrl(accountUrl);
            if (accountName is null && accountUrl is not null)
            {
                s.AddError("account_name", $"the account name cannot be read from '{accountUrl}'", "add account_name: the storage account's name");
            }
        }

        if (accountName is not null && !IsAccountName(accountName))
        {
            s.AddError("account_name", $"'{accountName}' is not a storage account name", "write 3 to 24 lowercase letters and digits");
        }

        var container = s.RequireString("container", "write the container name, such as container: alerts")?.Trim();
        if (container is not null && !IsContainerName(container))
        {
            s.AddError("container", $"'{container}' is not a container name",
                "write 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit");
        }

        var prefix = s.GetString("prefix", "promoter").Trim().Trim('/');
        if (prefix.Split('/').Any(p => p is "." or ".." || (prefix.Length > 0 && p.Length == 0)) || prefix.Any(char.IsControl) || prefix.Contains('\\', StringComparison.Ordinal))
        {
            s.AddError("prefix", $"'{prefix}' is not a usable blob name prefix", "write folder names separated by '/', such as promoter/charts");
        }

        var create = s.GetBool("create_container", credential != AzureBlobCredential.Sas);
        var publicUrl = s.GetUrl("public_url", fix: "write the public base URL of the container or its CDN, such as https://cdn.example.com/alerts");
        bool? isPublic = s.Has("public") ? s.GetBool("public", true) : null;
        var canSign = credential == AzureBlobCredential.SharedKey || (credential == AzureBlobCredential.ConnectionString && key is not null);
        var linksText = s.GetChoice("links", publicUrl is null ? "sas" : "public", "sas", "public");
        var links = linksText == "sas" ? AzureBlobLinks.Sas : AzureBlobLinks.Public;
        if (links == AzureBlobLinks.Sas && publicUrl is not null)
        {
            s.AddError("links", "'links: sas' and 'public_url' exclude each other", "remove public_url to hand out SAS links, or set links: public");
        }
        else if (links == AzureBlobLinks.Sas && !canSign && given.Count == 1)
        {
            // The store's own SAS grants write and delete: handing it to chat clients would let anyone overwrite
            // the charts. A per-blob read-only SAS needs the account key.
            s.AddError("links", "SAS links need the account key, and this store authenticates with a SAS token",
                "use account_key_file (or a connection string with AccountKey) to sign read-only links, or set links: public with a container that allows anonymous blob reads (or public_url)");
        }

        if (s.Has("sas_expiry") && links != AzureBlobLinks.Sas)
        {
            s.AddError("sas_expiry", "'sas_expiry' is set but links are public", "remove sas_expiry, or set links: sas");
        }

        var expiry = s.GetDuration("sas_expiry", DefaultSasExpiry, min: TimeSpan.FromMinutes(1), max: MaxSasExpiry);
        var serviceVersion = DefaultServiceVersion;
        if (s.GetString("service_version") is { } versionText)
        {
            var known = Enum.GetValues<BlobClientOptions.ServiceVersion>().ToDictionary(v => v.ToString()[1..].Replace('_', '-'), StringComparer.Ordinal);
            if (!known.TryGetValue(versionText.Trim(), out serviceVersion))
            {
                serviceVersion = DefaultServiceVersion;
                s.AddError("service_version", $"'{versionText}' is not a Blob service version this client knows",
                    $"write a date such as {DefaultServiceVersion.ToString()[1..].Replace('_', '-')} (the newest the service accepts), from {known.Keys.Min(StringComparer.Ordinal)} to {known.Keys.Max(StringComparer.Ordinal)}");
            }
        }

        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(30), min: TimeSpan.FromSeconds(1), max: TimeSpan.FromMinutes(10));
        var retries = s.GetInt("max_retries", 3, 0, 10);
        var maxBytes = s.GetByteSize("max_size", ImageContent.DefaultMaxBytes, max: 256L * 1024 * 1024);
        var retention = s.GetDuration("retention", TimeSpan.Zero, min: TimeSpan.Zero);

        return new AzureBlobStoreOptions
        {
            Credential = credential,
            AccountUrl = accountUrl,
            AccountName = accountName,
            AccountKey = key,
            Sas = sas,
            ConnectionString = connectionString,
            Container = container ?? "",
            Prefix = prefix,
            CreateContainer = create,
            Links = links,
            PublicUrl = publicUrl,
            Public = isPublic,
            SasExpiry = expiry,
            ServiceVersion = serviceVersion,
            Timeout = timeout,
            MaxRetries = retries,
            MaxBytes = maxBytes,
            Retention = retention > TimeSpan.Zero ? retention : null,
        };
    }

    /// <summary>
    /// Reads what the store needs from a connection string (account, key, endpoint) so that errors and links
    /// can name the account; the SDK parses it again to build the client.
    /// </summary>
    private static (string? Name, string? Key, Uri? Url) ParseConnectionString(PluginSettings s, string connectionString, string? accountName)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                s.AddError("connection_string", "the connection string is not a list of Name=value pairs separated by ';' (not shown: it is a secret)",
                    "copy the connection string from the storage account's Access keys page");
                return (accountName, null, null);
            }

            parts[part[..eq]] = part[(eq + 1)..];
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            s.AddError("connection_string", "'UseDevelopmentStorage' points at Azurite's fixed default port",
                "write the full Azurite connection string with its BlobEndpoint, AccountName and AccountKey");
            return (accountName, null, null);
        }

        parts.TryGetValue("AccountKey", out var key);
        parts.TryGetValue("AccountName", out var name);
        Uri? url = null;
        if (parts.TryGetValue("BlobEndpoint", out var endpoint))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                s.AddError("connection_string", "its BlobEndpoint is not an absolute http(s) URL (not shown: it is a secret)", "correct BlobEndpoint in the connection string");
                url = null;
            }
        }
        else if (name is not null)
        {
            var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", "https");
            var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
            Uri.TryCreate($"{protocol}://{name}.blob.{suffix}", UriKind.Absolute, out url);
        }

        if (url is null && !s.Diagnostics.Errors.Any(e => e.Path == s.PathOf("connection_string")))
        {
            s.AddError("connection_string", "the connection string names no Blob endpoint (neither BlobEndpoint nor AccountName)",
                "copy the connection string from the storage account's Access keys page");
        }

        if (key is not null && !IsBase64(key))
        {
            s.AddError("connection_string", "its AccountKey is not base64 (not shown: it is a secret)", "copy the connection string again from the storage account's Access keys page");
            key = null;
        }

        if (key is not null && name is null && parts.ContainsKey("SharedAccessSignature") is false)
        {
            s.AddError("connection_string", "it has an AccountKey but no AccountName", "add AccountName=<account> to the connection string");
        }

        return (accountName ?? name, key, url);
    }

    /// <summary>
    /// The account from the URL: the first label of <c>account.blob.core.windows.net</c>, or the first path
    /// segment when the host is an IP address or localhost (Azurite and Azure Stack use path-style URLs).
    /// </summary>
    internal static string? AccountNameFromUrl(Uri url)
    {
        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || (url.IsLoopback && !url.Host.Contains('.', StringComparison.Ordinal)))
        {
            var first = url.AbsolutePath.Trim('/').Split('/')[0];
            return first.Length == 0 ? null : first;
        }

        var dot = url.Host.IndexOf('.', StringComparison.Ordinal);
        return dot <= 0 ? null : url.Host[..dot];
    }

    private static bool IsBase64(string value)
    {
        Span<byte> buffer = stackalloc byte[512];
        return value.Length <= 680 && Convert.TryFromBase64String(value, buffer, out var written) && written > 0;
    }

    // Storage account names: 3-24 lowercase letters and digits (Azure naming rules for Microsoft.Storage).
    private static bool IsAccountName(string name) =>
        name.Length is >= 3 and <= 24 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));

    // Container names (Blob service REST reference, "Naming and referencing containers"): 3-63 characters of
    // lowercase letters, digits and hyphens; starting with a letter or digit; no two hyphens in a row.
    private static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && !name.Contains("--", StringComparison.Ordinal);

    /// <summary>Never prints the key, the SAS or the connection string: records print every property by default.</summary>
    public override string ToString() => $"{Where}, prefix={Prefix}, credential={Credential}, links={Links}";
}

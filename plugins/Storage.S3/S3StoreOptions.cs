using Amazon.Runtime;
using Amazon.S3;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Storage;

namespace Promoter.Storage.S3;

/// <summary>The settings of a <c>type: s3</c> store.</summary>
internal sealed record S3StoreOptions
{
    /// <summary>SigV4 presigned URLs live at most 7 days (X-Amz-Expires ≤ 604800, AWS S3 API reference).</summary>
    public static readonly TimeSpan MaxPresignExpiry = TimeSpan.FromDays(7);

    /// <summary>The service URL; null for AWS itself, whose endpoint follows from the region.</summary>
    public Uri? Endpoint { get; init; }

    public string Region { get; init; } = "us-east-1";
    public required string Bucket { get; init; }

    /// <summary>Key prefix without slashes at either end; empty for the bucket's root.</summary>
    public string Prefix { get; init; } = "promoter";

    public bool ForcePathStyle { get; init; }
    public string? AccessKey { get; init; }
    public string? SecretKey { get; init; }
    public string? SessionToken { get; init; }
    public S3CannedACL? Acl { get; init; }
    public ServerSideEncryptionMethod? ServerSideEncryption { get; init; }
    public string? KmsKeyId { get; init; }

    /// <summary>Base URL for public links (a CDN or a public-read bucket); null to presign or link directly.</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>The <c>public:</c> setting; null to judge by the address links are built on.</summary>
    public bool? Public { get; init; }

    /// <summary>Whether URLs are presigned GETs (for private buckets) when <see cref="PublicUrl"/> is not set.</summary>
    public bool Presign { get; init; } = true;

    public TimeSpan PresignExpiry { get; init; } = MaxPresignExpiry;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxRetries { get; init; } = 3;
    public bool ChunkEncoding { get; init; }
    public RequestChecksumCalculation ChecksumCalculation { get; init; } = RequestChecksumCalculation.WHEN_REQUIRED;
    public ResponseChecksumValidation ChecksumValidation { get; init; } = ResponseChecksumValidation.WHEN_REQUIRED;
    public long MaxBytes { get; init; } = ImageContent.DefaultMaxBytes;
    public TimeSpan? Retention { get; init; }

    /// <summary>Reads the settings; problems go to the diagnostics (the host refuses to start with any).</summary>
    public static S3StoreOptions Read(PluginSettings s)
    {
        var endpoint = s.GetUrl("endpoint", fix: "write the service URL, such as https://oss-cn-beijing.aliyuncs.com or http://minio:9000, or remove it for AWS");
        var region = s.GetString("region", "us-east-1").Trim();
        var bucket = s.RequireString("bucket", "write the bucket name, such as bucket: alerts")?.Trim();
        if (bucket is not null && !IsBucketName(bucket))
        {
            s.AddError("bucket", $"'{bucket}' is not a bucket name",
                "write 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit");
        }

        var prefix = s.GetString("prefix", "promoter").Trim().Trim('/');
        if (prefix.Split('/').Any(p => p is "." or ".." || (prefix.Length > 0 && p.Length == 0)) || prefix.Any(char.IsControl))
        {
            s.AddError("prefix", $"'{prefix}' is not a usable key prefix", "write folder names separated by '/', such as promoter/charts");
        }

        var forcePathStyle = s.GetBool("force_path_style", false);
        var accessKey = s.GetSecret("access_key");
        var secretKey = s.GetSecret("secret_key");
        var sessionToken = s.GetSecret("session_token");
        if ((accessKey is null) != (secretKey is null))
        {
            var missing = accessKey is null ? "access_key" : "secret_key";
            s.AddError(missing, $"'{missing}' is missing while its partner is set",
                $"set both access_key and secret_key (or their _file variants), or neither to use the AWS default credentials (environment, instance role)");
        }

        var aclText = s.GetChoice("acl", "", "", "private", "public-read", "authenticated-read", "bucket-owner-read", "bucket-owner-full-control");
        var sseText = s.GetChoice("server_side_encryption", "", "", "none", "AES256", "aws:kms");
        var kmsKeyId = s.GetString("sse_kms_key_id");
        if (kmsKeyId is not null && sseText != "aws:kms")
        {
            s.AddError("sse_kms_key_id", "'sse_kms_key_id' is set but server_side_encryption is not aws:kms", "add server_side_encryption: aws:kms, or remove sse_kms_key_id");
        }

        var publicUrl = s.GetUrl("public_url", fix: "write the public base URL of the bucket or its CDN, such as https://alerts.oss-cn-beijing.aliyuncs.com");
        bool? isPublic = s.Has("public") ? s.GetBool("public", true) : null;
        var presign = s.GetBool("presign", publicUrl is null);
        if (presign && publicUrl is not null && s.Has("presign"))
        {
            s.AddError("presign", "'presign: true' and 'public_url' exclude each other", "remove public_url to hand out presigned URLs, or remove presign");
        }

        var expiry = s.GetDuration("presign_expiry", MaxPresignExpiry, min: TimeSpan.FromMinutes(1), max: MaxPresignExpiry);
        var timeout = s.GetDuration("timeout", TimeSpan.FromSeconds(30), min: TimeSpan.FromSeconds(1), max: TimeSpan.FromMinutes(10));
        var retries = s.GetInt("max_retries", 3, 0, 10);

        // The 2025 SDK defaults (aws-chunked bodies, CRC trailers) break several S3-compatible servers, which
        // store the chunk framing as the object's bytes; the compatible settings are the defaults here.
        var chunk = s.GetBool("chunk_encoding", false);
        var calc = s.GetChoice("checksum_calculation", "when_required", "when_required", "when_supported");
        var validation = s.GetChoice("checksum_validation", "when_required", "when_required", "when_supported");

        var maxBytes = s.GetByteSize("max_size", ImageContent.DefaultMaxBytes);
        var retention = s.GetDuration("retention", TimeSpan.Zero, min: TimeSpan.Zero);

        return new S3StoreOptions
        {
            Endpoint = endpoint,
            Region = region.Length == 0 ? "us-east-1" : region,
            Bucket = bucket ?? "",
            Prefix = prefix,
            ForcePathStyle = forcePathStyle,
            AccessKey = accessKey,
            SecretKey = secretKey,
            SessionToken = sessionToken,
            Acl = aclText.Length == 0 ? null : S3CannedACL.FindValue(aclText),
            ServerSideEncryption = sseText is "" or "none" ? null : ServerSideEncryptionMethod.FindValue(sseText),
            KmsKeyId = kmsKeyId,
            PublicUrl = publicUrl,
            Public = isPublic,
            Presign = publicUrl is null && presign,
            PresignExpiry = expiry,
            Timeout = timeout,
            MaxRetries = retries,
            ChunkEncoding = chunk,
            ChecksumCalculation = calc == "when_supported" ? RequestChecksumCalculation.WHEN_SUPPORTED : RequestChecksumCalculation.WHEN_REQUIRED,
            ChecksumValidation = validation == "when_supported" ? ResponseChecksumValidation.WHEN_SUPPORTED : ResponseChecksumValidation.WHEN_REQUIRED,
            MaxBytes = maxBytes,
            Retention = retention > TimeSpan.Zero ? retention : null,
        };
    }

    // S3 bucket naming rules (general purpose buckets): 3–63 characters of a-z, 0-9, '.', '-', starting and
    // ending with a letter or digit. OSS and MinIO follow the same rules.
    private static bool IsBucketName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);

    /// <summary>Never prints the keys: records print every property by default.</summary>
    public override string ToString() => $"bucket={Bucket}, endpoint={Endpoint?.ToString() ?? "AWS " + Region}, prefix={Prefix}";
}

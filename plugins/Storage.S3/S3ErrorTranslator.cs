using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace Promoter.Storage.S3;

/// <summary>
/// Turns S3 error codes into messages that name the setting to check. Only the bucket, endpoint, region and
/// error code go into a message: never a key, a token or a signature.
/// </summary>
internal static class S3ErrorTranslator
{
    public static InvalidOperationException Translate(Exception e, string store, S3StoreOptions o, string action)
    {
        var where = $"bucket '{o.Bucket}' at {o.Endpoint?.GetLeftPart(UriPartial.Authority) ?? "AWS " + o.Region}";
        var what = e switch
        {
            AmazonS3Exception s3 => FromCode(s3.ErrorCode, s3.StatusCode, o, where),
            AmazonServiceException svc => FromCode(svc.ErrorCode, svc.StatusCode, o, where),
            HttpRequestException or TaskCanceledException or TimeoutException or System.Net.Sockets.SocketException =>
                $"cannot reach {where} ({Short(e.Message)}): check 'endpoint', the network path to it, and 'timeout' ({o.Timeout.TotalSeconds:0}s)",
            AmazonClientException when e.Message.Contains("credential", StringComparison.OrdinalIgnoreCase) =>
                "no credentials: set access_key and secret_key (or access_key_file and secret_key_file), or give Promoter AWS credentials through its environment or instance role",
            _ => $"{Short(e.Message)} ({where})",
        };
        return new InvalidOperationException($"image store '{store}' could not {action}: {what}", e);
    }

    private static string FromCode(string? code, HttpStatusCode status, S3StoreOptions o, string where) => code switch
    {
        "InvalidAccessKeyId" =>
            $"the access key is not known to {where}: check 'access_key' (or 'access_key_file') and that 'endpoint' is the service the key belongs to",
        "SignatureDoesNotMatch" =>
            $"the request signature was refused by {where}: check 'secret_key' (or 'secret_key_file') belongs to 'access_key', and that 'region' is right ('{o.Region}')",
        "NoSuchBucket" =>
            $"{where} does not exist: check 'bucket', 'endpoint' and 'region', or create the bucket",
        "RequestTimeTooSkewed" =>
            "this machine's clock differs from the storage service's by more than 15 minutes, so every signed request is refused: synchronise the clock (NTP)",
        "AccessDenied" or "Forbidden" or "AllAccessDisabled" =>
            $"access denied by {where}: check that the key may s3:PutObject, s3:GetObject, s3:ListBucket and s3:DeleteObject under '{o.Prefix}/'" +
            (o.Acl is not null ? $", and that the bucket allows the ACL '{o.Acl.Value}' (remove 'acl' if it does not)" : "") +
            (o.ServerSideEncryption is not null ? ", and that the key may use the encryption key ('server_side_encryption', 'sse_kms_key_id')" : ""),
        "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired" =>
            "the session token is expired or invalid: renew 'session_token' (or 'session_token_file') together with the keys",
        "AuthorizationHeaderMalformed" or "PermanentRedirect" or "IllegalLocationConstraintException" =>
            $"{where} is in another region than '{o.Region}': set 'region' to the bucket's region",
        "InvalidBucketName" => $"'{o.Bucket}' is not a valid bucket name for this service: check 'bucket'",
        "NotImplemented" =>
            "the service does not support a feature of the request: keep 'chunk_encoding: false' and 'checksum_calculation: when_required', and remove 'acl' or 'server_side_encryption' if the service lacks them",
        "InvalidArgument" or "InvalidRequest" =>
            "the service refused the request as invalid: check 'acl', 'server_side_encryption' and 'chunk_encoding' against what the service supports",
        _ when status == HttpStatusCode.NotFound => $"{where} answered 404: check 'bucket', 'endpoint' and 'force_path_style'",
        _ => $"{where} answered {(int)status} {code}",
    };

    private static string Short(string message) => message.Length > 200 ? message[..200] + "…" : message;
}

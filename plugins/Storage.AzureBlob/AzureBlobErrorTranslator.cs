using Azure;
using Azure.Storage.Blobs.Models;

namespace Promoter.Storage.AzureBlob;

/// <summary>
/// Turns Blob service error codes into messages that name the setting to check. Only the account, container and
/// error code go into a message: never a key, a SAS or the service's own message (it echoes the request's
/// string-to-sign). The exception is not kept as the inner one for the same reason.
/// </summary>
internal static class AzureBlobErrorTranslator
{
    public static bool IsServiceError(Exception e) =>
        e is RequestFailedException or HttpRequestException or IOException or TimeoutException or TaskCanceledException or AggregateException;

    public static InvalidOperationException Translate(Exception e, string store, AzureBlobStoreOptions o, string action)
    {
        if (e is AggregateException { InnerException: { } inner })
        {
            e = inner;
        }

        var what = e switch
        {
            // Status 0: no answer at all (the SDK's retries are spent on connection errors or timeouts).
            RequestFailedException { Status: 0 } or HttpRequestException or IOException or TimeoutException or TaskCanceledException =>
                $"cannot reach {o.Where}: check {(o.Credential == AzureBlobCredential.ConnectionString ? "the BlobEndpoint in 'connection_string'" : "'account_url'")}, the network path to it, and 'timeout' ({o.Timeout.TotalSeconds:0}s)",
            RequestFailedException r => FromCode(r.ErrorCode, r.Status, o),
            _ => $"{e.GetType().Name} ({o.Where})",
        };
        return new InvalidOperationException($"image store '{store}' could not {action}: {what}");
    }

    private static string FromCode(string? code, int status, AzureBlobStoreOptions o)
    {
        var where = o.Where;
        // AuthenticationFailed is Azure's answer to a wrong Shared Key signature or a forged or expired SAS;
        // Azurite answers AuthorizationFailure for the same, which Azure also uses when the account's firewall
        // refuses the client. Both are classified as authentication failures that name the credential first.
        if (code == BlobErrorCode.AuthenticationFailed || code == BlobErrorCode.AuthorizationFailure || (status == 403 && code is null))
        {
            var firewall = code == BlobErrorCode.AuthorizationFailure
                ? "; if it is right, the account's firewall (network rules) may refuse this client"
                : "";
            return $"authentication failed ({code ?? "403"}): " + o.Credential switch
            {
                AzureBlobCredential.Sas => $"{where} refused the SAS token: check 'sas' (or 'sas_file') is the whole token, not expired, and signed for this account",
                AzureBlobCredential.ConnectionString => $"{where} refused the signature: check that the AccountKey in 'connection_string' belongs to its AccountName",
                _ => $"{where} refused the signature: check 'account_key' (or 'account_key_file') is a current key of the account (key1 or key2), and that 'account_name' is right",
            } + firewall;
        }

        if (code is not null && code.StartsWith("Authorization", StringComparison.Ordinal))
        {
            // AuthorizationPermissionMismatch, …ResourceTypeMismatch, …SourceIPMismatch, …ProtocolMismatch: the
            // credential is valid but may not do this.
            return o.Credential == AzureBlobCredential.Sas
                ? $"access denied by {where} ({code}): the SAS must allow read, create, write, list and delete (sp=rcwld), the container and object resource types, this client's IP address and protocol"
                : $"access denied by {where} ({code}): check the account's firewall (network rules for this client's IP address) and that Shared Key access is allowed on the account";
        }

        if (code == BlobErrorCode.ContainerNotFound)
        {
            return $"{where} does not exist: check 'container', or set create_container: true to let the store create it (the credential must be allowed to)";
        }

        if (code == "PublicAccessNotPermitted")
        {
            return $"the account forbids anonymous access, so {where} cannot be created for public links: set links: sas, or public_url for a CDN";
        }

        if (code == BlobErrorCode.ContainerBeingDeleted || code == BlobErrorCode.ContainerDisabled)
        {
            return $"{where} is being deleted or is disabled: wait, or choose another 'container'";
        }

        if (code == BlobErrorCode.AccountIsDisabled)
        {
            return $"the storage account of {where} is disabled";
        }

        if (code == BlobErrorCode.InvalidResourceName)
        {
            return $"the service refused a name: check 'container' and 'prefix' ({where})";
        }

        if (code == BlobErrorCode.RequestBodyTooLarge)
        {
            return $"the image is larger than the service accepts in one request: lower 'max_size' ({where})";
        }

        if (code == "InvalidHeaderValue" || code == "InvalidQueryParameterValue")
        {
            return $"{where} refused a header or parameter ({code}): an emulator or Azure Stack may need a newer release for this client's API version";
        }

        if (status == 404)
        {
            return $"{where} answered 404: check {(o.Credential == AzureBlobCredential.ConnectionString ? "the BlobEndpoint in 'connection_string'" : "'account_url'")} and 'container'";
        }

        return $"{where} answered {status} {code}";
    }
}

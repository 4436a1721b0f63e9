using System.Net;
using Amazon.S3;
using Promoter.Testing.Storage;

namespace Promoter.Storage.S3.Tests;

public sealed class S3StoreConfigurationTests
{
    private static StoreSetupBuilder Valid() => new StoreSetupBuilder()
        .Set("endpoint", "https://oss-cn-beijing.aliyuncs.com")
        .Set("region", "cn-beijing")
        .Set("bucket", "alerts")
        .Set("access_key", "AK")
        .Set("secret_key", "SK-very-secret");

    [Fact]
    public void Create_ValidOssSettings_HasNoErrors()
    {
        Assert.Empty(Valid().Errors(new S3ImageStoreFactory()));
    }

    [Theory]
    [InlineData("bucket", null, "'bucket' is required")]
    [InlineData("bucket", "Alerts_Bucket", "not a bucket name")]
    [InlineData("endpoint", "oss-cn-beijing.aliyuncs.com", "absolute http(s) URL")]
    [InlineData("presign_expiry", "8d", "out of range")]
    [InlineData("acl", "world-writable", "one of")]
    [InlineData("server_side_encryption", "rot13", "one of")]
    [InlineData("sse_kms_key_id", "key-1", "aws:kms")]
    [InlineData("checksum_calculation", "always", "when_required")]
    [InlineData("timeout", "forever", "duration")]
    [InlineData("prefix", "a/../b", "prefix")]
    [InlineData("secret_key", null, "'secret_key' is missing")]
    [InlineData("forcepathstyle", "true", "did you mean 'force_path_style'")]
    public void Create_BadSetting_ReportsTheKeyAndHowToFixIt(string key, string? value, string expected)
    {
        var builder = Valid().Set(key, value);

        var error = Assert.Single(builder.Errors(new S3ImageStoreFactory()));

        Assert.Equal($"stores.test-store.{key}", error.Path);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SK-very-secret", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("InvalidAccessKeyId", HttpStatusCode.Forbidden, "'access_key'")]
    [InlineData("SignatureDoesNotMatch", HttpStatusCode.Forbidden, "'secret_key'")]
    [InlineData("NoSuchBucket", HttpStatusCode.NotFound, "'bucket'")]
    [InlineData("RequestTimeTooSkewed", HttpStatusCode.Forbidden, "clock")]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, "s3:PutObject")]
    [InlineData("ExpiredToken", HttpStatusCode.BadRequest, "'session_token'")]
    [InlineData("AuthorizationHeaderMalformed", HttpStatusCode.BadRequest, "'region'")]
    [InlineData("NotImplemented", HttpStatusCode.NotImplemented, "chunk_encoding")]
    public void Translate_S3ErrorCode_NamesTheSettingToCheck(string code, HttpStatusCode status, string expected)
    {
        // s3rver does not verify SigV4 signatures or session tokens and cannot be given a skewed SDK clock,
        // so these codes are checked on the translation itself; the server tests cover the rest.
        var options = S3StoreOptions.Read(Valid().Build(out _).Settings);
        var s3Error = new AmazonS3Exception("server message", Amazon.Runtime.ErrorType.Sender, code, "req-1", status);

        var e = S3ErrorTranslator.Translate(s3Error, "oss", options, "store an image");

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("image store 'oss' could not store an image: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SK-very-secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_ToString_DoesNotShowTheKeys()
    {
        var options = S3StoreOptions.Read(Valid().Set("session_token", "TOKEN-xyz").Build(out _).Settings);

        Assert.DoesNotContain("SK-very-secret", options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TOKEN-xyz", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DirectUrl_VirtualHostedOss_PutsTheBucketInTheHostName()
    {
        using var store = (S3ImageStore)Valid().Set("presign", "false").Create(new S3ImageStoreFactory());

        Assert.Equal("https://alerts.oss-cn-beijing.aliyuncs.com/promoter/2026/11/21/x.png", store.DirectUrl("promoter/2026/11/21/x.png").ToString());
    }
}

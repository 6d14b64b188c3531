using ServiceDelivery.Evidence;
using ServiceDelivery.Verify;

namespace ServiceDelivery.Evidence.Tests;

/// <summary>The offline command, run through its entry point once per outcome.</summary>
public sealed class VerifyCommandTests : IDisposable
{
    private readonly AnchorKey _key = AnchorKey.FromPem(AnchorKey.NewPrivateKeyPem());
    private readonly AnchorKey _other = AnchorKey.FromPem(AnchorKey.NewPrivateKeyPem());
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-verify-").FullName;

    public void Dispose()
    {
        _key.Dispose();
        _other.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Write(TestBundle bundle, string name = "bundle.zip")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bundle.ToZip());
        return path;
    }

    private string TrustedKeyFile()
    {
        var path = Path.Combine(_dir, "trusted.pem");
        File.WriteAllText(path, _key.PublicKeyPem);
        return path;
    }

    private static (int Code, string Out, string Err) Run(string? lang, params string[] args)
    {
        using StringWriter output = new(), error = new();
        var code = VerifyCommand.Run(args, output, error, lang);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void An_intact_bundle_answers_0_in_chinese_by_default()
    {
        var (code, output, _) = Run(null, Write(TestBundle.Create(_key)), "--key", TrustedKeyFile());
        code.Should().Be(0);
        output.Should().Contain("结果：日志完整").And.Contain("已由签名锚点证明至第 5 条（共 3 个锚点）").And.Contain("与您信任的公钥一致");
    }

    [Fact]
    public void A_changed_bundle_answers_1_naming_the_entry_in_english_when_asked()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Log[2] = bundle.Log[2] with { Data = new() { ["comment"] = "拒绝" } };
        var path = Write(bundle);

        var (code, output, _) = Run("en_US.UTF-8", path);
        code.Should().Be(1);
        output.Should().Contain("Result: the log does not verify from entry 3 on (entry_changed").And.Contain("  - entry 3 is not what its hash says");

        Run(null, path, "--lang", "en").Out.Should().Contain("from entry 3 on");
        Run("en_US.UTF-8", path, "--lang", "zh-CN").Out.Should().Contain("结果：日志被改动，自第 3 条起无法证明（entry_changed");
    }

    [Fact]
    public void A_swapped_key_answers_1_only_when_the_key_is_pinned()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Anchor(_other, anchors: 3);
        var path = Write(bundle);
        var unpinned = Run("en", path);
        unpinned.Code.Should().Be(0);
        unpinned.Out.Should().Contain("not pinned with --key");
        var pinned = Run("en", path, "--key", TrustedKeyFile());
        pinned.Code.Should().Be(1);
        pinned.Out.Should().Contain("another key than the one you trust");
    }

    [Fact]
    public void Usage_and_io_errors_answer_2()
    {
        Run(null).Code.Should().Be(2);
        Run(null, "a.zip", "b.zip").Code.Should().Be(2);
        Run(null, "a.zip", "--lang", "fr").Code.Should().Be(2);
        Run(null, "--help").Code.Should().Be(0);

        var missing = Run("en", Path.Combine(_dir, "missing.zip"));
        missing.Code.Should().Be(2);
        missing.Err.Should().StartWith("Cannot open the file");

        var notZip = Path.Combine(_dir, "not.zip");
        File.WriteAllText(notZip, "hello");
        Run("en", notZip).Should().Match<(int Code, string Out, string Err)>(r => r.Code == 2 && r.Err.StartsWith("Cannot read the evidence bundle", StringComparison.Ordinal));

        var badKey = Path.Combine(_dir, "bad.pem");
        File.WriteAllText(badKey, "not a key");
        Run("en", Write(TestBundle.Create(_key)), "--key", badKey).Code.Should().Be(2);
    }

    /// <summary>
    /// Writes an intact bundle and its unzipped files to $SD_EVIDENCE_EXAMPLE (docs/evidence.md's worked example
    /// was run on one); does nothing otherwise.
    /// </summary>
    [Fact]
    public void Writes_the_worked_examples_bundle_when_asked()
    {
        var target = Environment.GetEnvironmentVariable("SD_EVIDENCE_EXAMPLE");
        if (string.IsNullOrEmpty(target))
        {
            return;
        }

        Directory.CreateDirectory(target);
        var zip = Path.Combine(target, "bundle.zip");
        File.WriteAllBytes(zip, TestBundle.Create(_key).ToZip());
        System.IO.Compression.ZipFile.ExtractToDirectory(zip, Path.Combine(target, "bundle"), overwriteFiles: true);
        File.WriteAllText(Path.Combine(target, "trusted.pem"), _key.PublicKeyPem);
    }
}

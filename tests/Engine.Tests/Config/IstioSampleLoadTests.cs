using Engine.Config;

namespace Engine.Tests.Config;

public sealed class IstioSampleLoadTests
{
    public static IEnumerable<object[]> SampleFiles() => IstioSamples.All();

    [SampleTheory]
    [MemberData(nameof(SampleFiles))]
    public void Load_IstioSample_HasNoErrors(string fileName)
    {
        var result = ConfigLoader.Load([IstioSamples.PathOf(fileName)], "default");

        // A sample naming certificate files this machine lacks (/etc/certs/…) is rejected for that
        // alone: the sidecar loads them at config time. Nothing else may be wrong with it.
        if (!result.Succeeded && result.Errors.All(IsMissingCertificateFile))
        {
            return;
        }

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.NotNull(result.Snapshot);
        Assert.True(result.Snapshot.ResourceCount > 0);
    }

    private static bool IsMissingCertificateFile(ConfigDiagnostic error)
        => error.Path?.Contains(".tls.", StringComparison.Ordinal) == true
            && (error.Message.StartsWith("cannot read ", StringComparison.Ordinal) || error.Message.StartsWith("cannot load ", StringComparison.Ordinal))
            && !File.Exists(error.Message.Split('"')[1]);
}

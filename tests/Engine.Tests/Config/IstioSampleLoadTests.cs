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

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.NotNull(result.Snapshot);
        Assert.True(result.Snapshot.ResourceCount > 0);
    }
}

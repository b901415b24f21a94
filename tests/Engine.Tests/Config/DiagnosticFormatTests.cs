using Engine.Config;

namespace Engine.Tests.Config;

public sealed class DiagnosticFormatTests
{
    [Theory]
    [InlineData("Error", "samples/bad.yaml", 14, "VirtualService", "reviews", "spec.http[0].route[0].weight", "must be >= 0", "samples/bad.yaml:14: VirtualService/reviews spec.http[0].route[0].weight: must be >= 0")]
    [InlineData("Error", "a.yaml", 3, null, null, null, "YAML syntax error: boom", "a.yaml:3: YAML syntax error: boom")]
    [InlineData("Error", "a.yaml", 0, null, null, null, "no such file or directory", "a.yaml: no such file or directory")]
    [InlineData("Error", "a.yaml", 2, "WorkloadEntry", null, "metadata.name", "metadata.name is required", "a.yaml:2: WorkloadEntry metadata.name: metadata.name is required")]
    [InlineData("Warning", "a.yaml", 2, "Gateway", "gw", null, "skipped", "a.yaml:2: warning: Gateway/gw: skipped")]
    public void ToString_FileLineKindNamePathMessage(string severity, string file, int line, string? kind, string? name, string? path, string message, string expected)
    {
        var diagnostic = new ConfigDiagnostic(Enum.Parse<DiagnosticSeverity>(severity), file, line, kind, name, path, message);

        Assert.Equal(expected, diagnostic.ToString());
    }

    [Fact]
    public void SourceLocation_FieldFallsBackToClosestWrittenAncestor()
    {
        var location = ConfigAssert.LoadValid(BindingTests.Vs("""
              - route: [{destination: {host: reviews}}]
                headers:
                  request:
                    set:
                      x-a: "1"
            """)).VirtualServices[0].Spec.Http[0].Headers!.Request!.Source;

        Assert.Equal(13, location.Field("set.x-a").Line);
        Assert.Equal(12, location.Field("set.x-missing").Line);
        Assert.Equal("spec.http[0].headers.request.set.x-missing", location.Field("set.x-missing").Path);
        Assert.Equal(11, location.Field("add").Line);
    }
}

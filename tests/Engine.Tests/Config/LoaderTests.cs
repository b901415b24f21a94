using Engine.Config;

namespace Engine.Tests.Config;

/// <summary>Loading files and folders: discovery, isolation of broken files, every error reported.</summary>
public sealed class LoaderTests : IDisposable
{
    private const string GoodVs = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http: [{route: [{destination: {host: reviews}}]}]
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "engine-config-tests-" + Guid.NewGuid().ToString("N"));

    public LoaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Load_ManyMistakes_ReportsEveryErrorWithLineAndPath()
    {
        var file = RepoPaths.TestData("Config/many-mistakes.yaml");

        var result = ConfigLoader.Load([file], "default");

        Assert.Null(result.Snapshot);
        var expected = new (int Line, string Path, string Message)[]
        {
            (12, "spec.http[0].match[0].uri.regex", "backreferences (\\1) are not supported by RE2"),
            (15, "spec.http[0].match[0].headers.end-user.exakt", "unknown field \"exakt\""),
            (20, "spec.http[0].route[0].weight", "must be >= 0"),
            (24, "spec.http[0].route[1].destination.port.number", "expected an integer, got \"http\""),
            (25, "spec.http[0].timeout", "invalid duration \"5 seconds\""),
            (28, "spec.http[0].retries.retryOn", "\"sometimes\" is not a valid retryOn policy"),
            (30, "spec.http[1].route", "expected a list, got a mapping"),
            (41, "spec.trafficPolicy.loadBalancer.simple", "unknown value \"ROUND_ROBBIN\""),
            (43, "spec.trafficPolicy.outlierDetection.maxEjectionPercent", "percentage 150 is not in range 0..100"),
            (47, "spec.subsets[1].name", "duplicate subset name \"v1\""),
            (50, "apiVersion", "unsupported apiVersion \"networking.istio.io/v2\""),
            (61, "spec.endpoints", "no endpoints should be provided for resolution NONE"),
            (64, "metadata.name", "metadata.name is required"),
            (69, "spec.address", "address is required"),
        };
        var errors = result.Errors.ToList();
        Assert.True(expected.Length == errors.Count, "got:\n" + string.Join("\n", errors));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(file, errors[i].File);
            Assert.Equal((expected[i].Line, expected[i].Path), (errors[i].Line, errors[i].Path));
            Assert.Contains(expected[i].Message, errors[i].Message, StringComparison.Ordinal);
        }

        Assert.Equal($"{file}:20: VirtualService/reviews spec.http[0].route[0].weight: must be >= 0", errors[2].ToString());
        Assert.Equal($"{file}:64: WorkloadEntry metadata.name: metadata.name is required", errors[12].ToString());
    }

    [Fact]
    public void Load_SyntaxErrorInOneFile_OtherFilesStillLoad()
    {
        Write("a.yaml", GoodVs);
        Write("b.yaml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: [broken}\n");
        Write("c.yml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec: {}\n");
        Write("sub/d.yaml", GoodVs.Replace("reviews", "ratings", StringComparison.Ordinal));

        var result = ConfigLoader.Load([_dir], "default");

        var error = ConfigAssert.SingleError(result);
        Assert.Equal((Path.Combine(_dir, "b.yaml"), 3), (error.File, error.Line));
        Assert.StartsWith($"{Path.Combine(_dir, "b.yaml")}:3: YAML syntax error: ", error.ToString(), StringComparison.Ordinal);
        // c.yml was still read (its Gateway was skipped with a warning).
        Assert.Contains(result.Warnings, w => w.File == Path.Combine(_dir, "c.yml") && w.Kind == "Gateway");
    }

    [Fact]
    public void Load_Folder_FindsYamlRecursivelyInSortedOrder()
    {
        Write("z.yaml", GoodVs.Replace("reviews", "zeta", StringComparison.Ordinal));
        Write("a/b.yml", GoodVs.Replace("reviews", "beta", StringComparison.Ordinal));
        Write("a.YAML", GoodVs.Replace("reviews", "alpha", StringComparison.Ordinal));
        Write("notes.txt", "not yaml: [");

        var result = ConfigLoader.Load([_dir], "default");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Equal(new[] { "a.YAML", "a/b.yml", "z.yaml" }, result.Snapshot!.Files.Select(f => Path.GetRelativePath(_dir, f).Replace('\\', '/')));
        Assert.Equal(new[] { "alpha", "beta", "zeta" }, result.Snapshot.VirtualServices.Select(v => v.Name));
    }

    [Fact]
    public void Load_FileGivenTwice_IsReadOnce()
    {
        var file = Write("vs.yaml", GoodVs);

        var result = ConfigLoader.Load([file, _dir, Path.Combine(_dir, ".", "vs.yaml")], "default");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Single(result.Snapshot!.VirtualServices);
    }

    [Fact]
    public void Load_MissingPath_IsErrorNamingIt()
    {
        var missing = Path.Combine(_dir, "nope.yaml");

        var error = ConfigAssert.SingleError(ConfigLoader.Load([missing], "default"));

        Assert.Equal($"{missing}: no such file or directory", error.ToString());
    }

    [Fact]
    public void Load_EmptyFolder_IsError()
    {
        Write("readme.md", "# nothing");

        var error = ConfigAssert.SingleError(ConfigLoader.Load([_dir], "default"));

        Assert.Equal(_dir, error.File);
        Assert.Contains("no YAML files", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoPaths_IsError()
    {
        var error = ConfigAssert.SingleError(ConfigLoader.Load([], "default"));

        Assert.Equal("no configuration path given", error.Message);
    }

    [Fact]
    public void Load_EmptyFile_IsAnEmptyValidSnapshot()
    {
        var file = Write("empty.yaml", "# only a comment\n---\n");

        var result = ConfigLoader.Load([file], "default");

        Assert.True(result.Succeeded);
        Assert.Equal(0, result.Snapshot!.ResourceCount);
    }

    [Fact]
    public void Load_DiagnosticsAreSortedByFileThenLine()
    {
        Write("a.yaml", "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: a}\nspec: {weight: -1}\n");
        Write("b.yaml", "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: b}\nspec: {}\n");

        var result = ConfigLoader.Load([_dir], "default");

        Assert.Equal(
            new[] { ("a.yaml", 4), ("a.yaml", 4), ("b.yaml", 4) },
            result.Errors.Select(e => (Path.GetFileName(e.File), e.Line)));
    }

    private string Write(string relative, string content)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}

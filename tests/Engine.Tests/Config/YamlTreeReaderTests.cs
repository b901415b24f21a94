using Engine.Config.Yaml;

namespace Engine.Tests.Config;

public sealed class YamlTreeReaderTests
{
    [Fact]
    public void Read_MultiDocumentStream_KeepsDocumentsAndLines()
    {
        var stream = YamlTreeReader.Read("a: 1\n---\n# comment\nb: 2\n---\n");

        Assert.Null(stream.Error);
        Assert.Equal(3, stream.Documents.Length);
        Assert.Equal(1, stream.Documents[0].Line);
        Assert.Equal(4, stream.Documents[1].Line);
        Assert.Null(stream.Documents[2].Root);
    }

    [Fact]
    public void Read_CommentOnlyStream_HasNoDocuments()
    {
        var stream = YamlTreeReader.Read("# nothing here\n");

        Assert.Null(stream.Error);
        Assert.Empty(stream.Documents);
    }

    [Fact]
    public void Read_NodesCarryOneBasedLineAndColumn()
    {
        var root = (YamlMapping)YamlTreeReader.Read("spec:\n  hosts:\n  - reviews\n").Documents[0].Root!;

        var spec = (YamlMapping)root.Entries[0].Value;
        Assert.Equal((2, 3), (spec.Line, spec.Column));
        var hosts = (YamlSequence)spec.Entries[0].Value;
        var item = (YamlScalar)hosts.Items[0];
        Assert.Equal(("reviews", 3, 5), (item.Value, item.Line, item.Column));
    }

    [Theory]
    [InlineData("k: plain", "plain", "Plain")]
    [InlineData("k: 'single ''quoted'''", "single 'quoted'", "SingleQuoted")]
    [InlineData("k: \"double\\tquoted\"", "double\tquoted", "DoubleQuoted")]
    [InlineData("k: |\n  line1\n  line2\n", "line1\nline2\n", "Literal")]
    [InlineData("k: >-\n  folded\n  text\n", "folded text", "Folded")]
    public void Read_ScalarStyles_ValueAndStyle(string yaml, string value, string style)
    {
        var scalar = (YamlScalar)((YamlMapping)YamlTreeReader.Read(yaml).Documents[0].Root!).Entries[0].Value;

        Assert.Equal(value, scalar.Value);
        Assert.Equal(style, scalar.Style.ToString());
    }

    [Theory]
    [InlineData("k:", true)]
    [InlineData("k: ~", true)]
    [InlineData("k: null", true)]
    [InlineData("k: 'null'", false)]
    [InlineData("k: \"\"", false)]
    [InlineData("k: !!str null", false)]
    public void Read_NullScalars_OnlyPlainNullForms(string yaml, bool isNull)
    {
        var scalar = (YamlScalar)((YamlMapping)YamlTreeReader.Read(yaml).Documents[0].Root!).Entries[0].Value;

        Assert.Equal(isNull, scalar.IsNull);
    }

    [Fact]
    public void Read_FlowCollections_SameTreeAsBlock()
    {
        var root = (YamlMapping)YamlTreeReader.Read("m: {a: [1, 2], b: {}}\n").Documents[0].Root!;

        var m = (YamlMapping)root.Entries[0].Value;
        Assert.Equal(2, ((YamlSequence)m.Entries[0].Value).Items.Length);
        Assert.Empty(((YamlMapping)m.Entries[1].Value).Entries);
    }

    [Fact]
    public void Read_AnchorAndAlias_AliasSharesTheNode()
    {
        var root = (YamlMapping)YamlTreeReader.Read("a: &x {k: v}\nb: *x\n").Documents[0].Root!;

        Assert.Same(root.Entries[0].Value, root.Entries[1].Value);
    }

    [Fact]
    public void Read_UnknownAlias_IsAnErrorWithLine()
    {
        var stream = YamlTreeReader.Read("a: 1\nb: *missing\n");

        Assert.NotNull(stream.Error);
        Assert.Equal(2, stream.Error.Line);
        Assert.Contains("unknown alias *missing", stream.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AliasBomb_IsRejected()
    {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (var i = 0; i < 8; i++)
        {
            var prev = (char)('a' + i);
            var next = (char)('a' + i + 1);
            yaml += $"{next}: &{next} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n";
        }

        var stream = YamlTreeReader.Read(yaml);

        Assert.NotNull(stream.Error);
        Assert.Contains("aliases", stream.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ComplexKey_IsRejected()
    {
        var stream = YamlTreeReader.Read("? [a, b]\n: c\n");

        Assert.NotNull(stream.Error);
        Assert.Contains("mapping keys must be scalars", stream.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TooDeep_IsRejected()
    {
        var stream = YamlTreeReader.Read(new string('[', 300) + new string(']', 300));

        Assert.NotNull(stream.Error);
        Assert.Contains("nesting deeper", stream.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a: b: c\n", 1)]
    [InlineData("a: 'x'\n  b: 2\n", 2)]
    [InlineData("a:\n  b: 1\n\tc: 2\n", 3)]
    [InlineData("a: [1, 2\nb: 3\n", 1)]
    [InlineData("a: \"unterminated\n", 1)]
    public void Read_SyntaxError_ReportsLine(string yaml, int line)
    {
        var stream = YamlTreeReader.Read(yaml);

        Assert.NotNull(stream.Error);
        Assert.Equal(line, stream.Error.Line);
        Assert.False(string.IsNullOrWhiteSpace(stream.Error.Message));
    }

    [Fact]
    public void Read_SyntaxErrorInSecondDocument_KeepsTheFirst()
    {
        var stream = YamlTreeReader.Read("a: 1\n---\nb: c: d\n");

        Assert.NotNull(stream.Error);
        Assert.Equal(3, stream.Error.Line);
        Assert.Single(stream.Documents);
    }

    /// <summary>
    /// Found by fuzzing (scripts/fuzz.sh config): YamlDotNet rejects a malformed tag or anchor by
    /// throwing ArgumentException from TagName/AnchorName, not YamlException; it escaped the loader.
    /// </summary>
    [Theory]
    [InlineData("!!+&a ")]
    [InlineData("a: !<%zz> b\n")]
    [InlineData("kind: !!\u007f x\n")]
    public void Read_InvalidTag_IsASyntaxErrorNotAnException(string yaml)
    {
        var stream = YamlTreeReader.Read(yaml);

        Assert.NotNull(stream.Error);
        Assert.Equal(1, stream.Error.Line);
        Assert.False(string.IsNullOrWhiteSpace(stream.Error.Message));
    }
}

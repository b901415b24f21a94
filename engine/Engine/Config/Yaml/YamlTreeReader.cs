using System.Collections.Immutable;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Engine.Config.Yaml;

/// <summary>
/// Builds <see cref="YamlDocument"/>s from YamlDotNet's event parser (the only YamlDotNet API that is
/// AOT-safe). Outcomes: every document of the stream, or the documents before the first syntax
/// error plus that error. Anchors and aliases are supported (an alias shares the anchored node);
/// recursive aliases, complex keys, over-deep nesting and alias bombs are reported as errors.
/// </summary>
internal sealed partial class YamlTreeReader
{
    /// <summary>Nesting beyond this is hostile or broken; it would only risk a stack overflow.</summary>
    internal const int MaxDepth = 200;

    /// <summary>
    /// A document whose alias expansion exceeds this many nodes is rejected ("billion laughs"):
    /// nodes are shared, but binding walks the expanded tree.
    /// </summary>
    internal const long MaxExpandedNodes = 1_000_000;

    private readonly IParser _parser;
    private readonly Dictionary<string, (YamlNode Node, long Weight)> _anchors = new(StringComparer.Ordinal);
    private Mark _last;
    private int _depth;

    private YamlTreeReader(IParser parser) => _parser = parser;

    public static YamlStream Read(string text)
    {
        var reader = new YamlTreeReader(new Parser(new StringReader(text)));
        var documents = ImmutableArray.CreateBuilder<YamlDocument>();
        try
        {
            reader.ReadStream(documents);
            return new YamlStream(documents.ToImmutable(), null);
        }
        catch (YamlTreeException e)
        {
            return new YamlStream(documents.ToImmutable(), new YamlSyntaxError(e.Line, e.Column, e.Message));
        }
        catch (YamlException e)
        {
            var (line, column) = (ToInt(e.Start.Line), ToInt(e.Start.Column));
            if (e.Message.Contains("tab", StringComparison.Ordinal))
            {
                // YamlDotNet reports tab-indentation errors at the enclosing mapping; point at the tab.
                line = FirstTabIndentedLine(text, line) ?? line;
                column = 1;
            }

            return new YamlStream(documents.ToImmutable(), new YamlSyntaxError(line, column, e.Message));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (instead of a YamlException) on some malformed flow
            // input, e.g. an unterminated "[1, 2" followed by a new key.
            var message = "malformed YAML after this point (unterminated flow collection or quoted string?)";
            return new YamlStream(documents.ToImmutable(), new YamlSyntaxError(ToInt(reader._last.Line), ToInt(reader._last.Column), message));
        }
    }

    private void ReadStream(ImmutableArray<YamlDocument>.Builder documents)
    {
        Expect<StreamStart>(Next());
        while (true)
        {
            var ev = Next();
            if (ev is StreamEnd)
            {
                return;
            }

            var start = Expect<DocumentStart>(ev);
            _anchors.Clear();
            var (root, _) = ReadNode(Next());
            Expect<DocumentEnd>(Next());
            var isEmpty = root is YamlScalar { IsNull: true };
            documents.Add(new YamlDocument(isEmpty ? null : root, isEmpty ? ToInt(start.Start.Line) : root.Line));
        }
    }

    private (YamlNode Node, long Weight) ReadNode(ParsingEvent ev)
    {
        (YamlNode Node, long Weight) result;
        switch (ev)
        {
            case AnchorAlias alias:
                if (!_anchors.TryGetValue(alias.Value.Value, out result))
                {
                    throw Error(ev, $"unknown alias *{alias.Value.Value} (anchors must be defined before use; recursive aliases are not supported)");
                }

                return result;
            case Scalar scalar:
                result = (new YamlScalar(scalar.Value, ToStyle(scalar.Style), TagOf(scalar), ToInt(ev.Start.Line), ToInt(ev.Start.Column)), 1);
                break;
            case SequenceStart:
                result = ReadSequence(ev);
                break;
            case MappingStart:
                result = ReadMapping(ev);
                break;
            default:
                throw Error(ev, $"unexpected {ev.GetType().Name}");
        }

        if (ev is NodeEvent { Anchor.IsEmpty: false } node)
        {
            _anchors[node.Anchor.Value] = result;
        }

        return result;
    }

    private (YamlNode, long) ReadSequence(ParsingEvent start)
    {
        Enter(start);
        var items = ImmutableArray.CreateBuilder<YamlNode>();
        long weight = 1;
        for (var ev = Next(); ev is not SequenceEnd; ev = Next())
        {
            var (item, w) = ReadNode(ev);
            items.Add(item);
            weight = AddWeight(weight, w, ev);
        }

        _depth--;
        return (new YamlSequence(items.ToImmutable(), ToInt(start.Start.Line), ToInt(start.Start.Column)), weight);
    }

    private (YamlNode, long) ReadMapping(ParsingEvent start)
    {
        Enter(start);
        var entries = ImmutableArray.CreateBuilder<YamlMappingEntry>();
        long weight = 1;
        for (var ev = Next(); ev is not MappingEnd; ev = Next())
        {
            var (key, kw) = ReadNode(ev);
            if (key is not YamlScalar scalarKey)
            {
                throw Error(ev, "mapping keys must be scalars (complex keys are not supported)");
            }

            var (value, vw) = ReadNode(Next());
            entries.Add(new YamlMappingEntry(scalarKey, value));
            weight = AddWeight(AddWeight(weight, kw, ev), vw, ev);
        }

        _depth--;
        return (new YamlMapping(entries.ToImmutable(), ToInt(start.Start.Line), ToInt(start.Start.Column)), weight);
    }

    private void Enter(ParsingEvent ev)
    {
        if (++_depth > MaxDepth)
        {
            throw Error(ev, $"nesting deeper than {MaxDepth} levels");
        }
    }

    private long AddWeight(long total, long add, ParsingEvent ev)
    {
        total += add;
        if (total > MaxExpandedNodes)
        {
            throw Error(ev, $"document expands to more than {MaxExpandedNodes} nodes through aliases");
        }

        return total;
    }

    private ParsingEvent Next()
    {
        bool moved;
        try
        {
            moved = _parser.MoveNext();
        }
        catch (ArgumentException e)
        {
            // YamlDotNet checks tags and anchors by constructing TagName/AnchorName, which throw
            // ArgumentException rather than YamlException (e.g. "!!+&a", found by fuzzing).
            throw new YamlTreeException(ToInt(_last.Line), ToInt(_last.Column), "invalid tag or anchor: " + e.Message);
        }

        if (!moved || _parser.Current is null)
        {
            throw new YamlTreeException(ToInt(_last.Line), ToInt(_last.Column), "unexpected end of input");
        }

        _last = _parser.Current.Start;
        return _parser.Current;
    }

    private static T Expect<T>(ParsingEvent ev)
        where T : ParsingEvent
        => ev as T ?? throw Error(ev, $"unexpected {ev.GetType().Name}");

    private static YamlTreeException Error(ParsingEvent ev, string message)
        => new(ToInt(ev.Start.Line), ToInt(ev.Start.Column), message);

    private static string? TagOf(Scalar scalar)
        => scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? null : scalar.Tag.Value;

    private static YamlScalarStyle ToStyle(ScalarStyle style) => style switch
    {
        ScalarStyle.SingleQuoted => YamlScalarStyle.SingleQuoted,
        ScalarStyle.DoubleQuoted => YamlScalarStyle.DoubleQuoted,
        ScalarStyle.Literal => YamlScalarStyle.Literal,
        ScalarStyle.Folded => YamlScalarStyle.Folded,
        _ => YamlScalarStyle.Plain,
    };

    private static int ToInt(long value) => value > int.MaxValue ? int.MaxValue : (int)value;

    private static int? FirstTabIndentedLine(string text, int fromLine)
    {
        var lines = TabIndent().Matches(text);
        foreach (Match m in lines)
        {
            var line = 1 + text.AsSpan(0, m.Index).Count('\n');
            if (line >= fromLine)
            {
                return line;
            }
        }

        return null;
    }

    [GeneratedRegex(@"(?m)^[ ]*\t")]
    private static partial Regex TabIndent();

    /// <summary>Our own structural errors, thrown inside the reader and turned into a <see cref="YamlSyntaxError"/>.</summary>
    private sealed class YamlTreeException(int line, int column, string message) : Exception(message)
    {
        public int Line { get; } = line;

        public int Column { get; } = column;
    }
}

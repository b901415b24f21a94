using Engine.Config.Model;
using Engine.Config.Yaml;

namespace Engine.Config.Binding;

/// <summary>Messages shared by several kinds: StringMatch, Destination, PortSelector, Percent, Headers, selectors.</summary>
internal static class CommonBinders
{
    /// <summary>StringMatch: one of exact/prefix/regex, or <c>{}</c> (presence), which must not be dropped.</summary>
    public static StringMatch? StringMatch(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var kind = StringMatchKind.Presence;
        var value = "";
        string? setBy = null;
        foreach (var f in r.Fields())
        {
            StringMatchKind fieldKind;
            switch (f.Name)
            {
                case "exact":
                    fieldKind = StringMatchKind.Exact;
                    break;
                case "prefix":
                    fieldKind = StringMatchKind.Prefix;
                    break;
                case "regex":
                    fieldKind = StringMatchKind.Regex;
                    break;
                default:
                    r.Unknown(f);
                    continue;
            }

            if (r.String(f) is not { } text)
            {
                continue;
            }

            if (setBy is not null)
            {
                r.OneofConflict(f, setBy);
                continue;
            }

            (setBy, kind, value) = (f.Name, fieldKind, text);
        }

        return new StringMatch(kind, value) { Source = r.Location() };
    }

    public static Destination? Destination(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new Destination();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "host" => result with { Host = r.String(f) ?? "" },
                "subset" => result with { Subset = r.String(f) ?? "" },
                "port" => result with { Port = r.Message(f, PortSelector) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    public static PortSelector? PortSelector(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new PortSelector();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "number" => result with { Number = ctx.UInt32(f.Value, f.Path) ?? 0 },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    /// <summary>istio Percent <c>{value: 12.5}</c>, returned as the double; a missing value is 0.</summary>
    public static double? Percent(FieldReader parent, YamlField field)
    {
        var ctx = parent.Context;
        if (field.Value is YamlScalar { IsNull: false } scalar)
        {
            ctx.Error(field.Value, field.Path, $"expected a mapping {{value: <number>}}, got the scalar \"{scalar.Value}\"");
            return null;
        }

        if (FieldReader.Open(ctx, field.Value, field.Path, field.Key) is not { } r)
        {
            return null;
        }

        double value = 0;
        foreach (var f in r.Fields())
        {
            if (f.Name == "value")
            {
                value = ctx.Double(f.Value, f.Path) ?? 0;
                parent.Mark(SourceLocation.Join(field.Name, "value"), f.Key);
            }
            else
            {
                r.Unknown(f);
            }
        }

        return value;
    }

    public static Headers? Headers(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new Headers();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "request" => result with { Request = r.Message(f, HeaderOperations) },
                "response" => result with { Response = r.Message(f, HeaderOperations) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    public static HeaderOperations? HeaderOperations(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HeaderOperations();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "set" => result with { Set = r.StringMap(f) },
                "add" => result with { Add = r.StringMap(f) },
                "remove" => result with { Remove = r.StringList(f) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    /// <summary>ServiceEntry's selector: <c>{labels: {...}}</c>.</summary>
    public static WorkloadSelector? LabelsSelector(BindContext ctx, YamlNode node, string path, YamlNode anchor)
        => Selector(ctx, node, path, anchor, "labels");

    /// <summary>DestinationRule's selector (istio.type.v1beta1.WorkloadSelector): <c>{matchLabels: {...}}</c>.</summary>
    public static WorkloadSelector? MatchLabelsSelector(BindContext ctx, YamlNode node, string path, YamlNode anchor)
        => Selector(ctx, node, path, anchor, "matchLabels");

    /// <summary>Reports an unknown field and returns the record unchanged (for switch expressions).</summary>
    public static T Unknown<T>(FieldReader r, YamlField f, T unchanged)
    {
        r.Unknown(f);
        return unchanged;
    }

    private static WorkloadSelector? Selector(BindContext ctx, YamlNode node, string path, YamlNode anchor, string fieldName)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new WorkloadSelector();
        foreach (var f in r.Fields())
        {
            result = f.Name == fieldName ? result with { Labels = r.StringMap(f) } : Unknown(r, f, result);
        }

        return result with { Source = r.Location() };
    }
}

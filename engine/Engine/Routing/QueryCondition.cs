namespace Engine.Routing;

/// <summary>
/// One <c>queryParams</c> entry: the first occurrence of the key is matched (Envoy
/// <c>query_parameters</c>); <c>?key</c> and <c>?key=</c> have the value "".
/// </summary>
internal sealed class QueryCondition
{
    public QueryCondition(string name, ByteMatcher matcher)
    {
        Name = name;
        NameBytes = System.Text.Encoding.UTF8.GetBytes(name);
        Matcher = matcher;
    }

    public string Name { get; }

    public byte[] NameBytes { get; }

    public ByteMatcher Matcher { get; }

    public bool Matches(in RequestView request)
        => request.TryGetQueryParameter(NameBytes, out var value) && Matcher.Matches(value);

    public override string ToString() => $"query {Name} {Matcher}";
}

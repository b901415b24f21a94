using System.Text;
using Engine.Routing;

namespace Engine.Tests.Routing;

public sealed class RouteTableTests
{
    private static VirtualHost Host(string name) => new(name, [name], [], fromVirtualService: true);

    private static string? Find(RouteTable table, string host) => table.FindVirtualHost(Encoding.ASCII.GetBytes(host))?.Name;

    [Fact]
    public void ExactBeatsWildcard_LongestWildcardWins_WildcardNeverMatchesItsOwnSuffix()
    {
        var table = new RouteTable(
            new Dictionary<string, VirtualHost> { ["api.foo.com"] = Host("exact") },
            [(".foo.com", Host("short")), (".bar.foo.com", Host("long"))],
            catchAll: null);

        Assert.Equal("exact", Find(table, "api.foo.com"));
        Assert.Equal("exact", Find(table, "API.Foo.com"));
        Assert.Equal("long", Find(table, "x.bar.foo.com"));
        Assert.Equal("short", Find(table, "x.foo.com"));
        Assert.Null(Find(table, "foo.com"));
        Assert.Null(Find(table, "other.com"));
    }

    [Fact]
    public void CatchAll_TakesWhatNothingElseMatches()
    {
        var table = new RouteTable(new Dictionary<string, VirtualHost>(), [], Host("*"));

        Assert.Equal("*", Find(table, "anything"));
    }
}

using Engine.IntegrationTests.Infrastructure;
using Engine.IntegrationTests.Infrastructure.Netns;

namespace Engine.IntegrationTests.Transparent;

/// <summary>scripts/iptables.sh in a namespace of its own: idempotent install, complete removal, refusal without root.</summary>
[Collection(TransparentCollection.Name)]
public sealed class IptablesScriptTests : IAsyncLifetime
{
    private static readonly string Script = Path.Combine(RepoPaths.Root, "scripts", "iptables.sh");
    private NetworkNamespace? _ns;
    private string? _skip;

    public async Task InitializeAsync()
    {
        if (!OperatingSystem.IsLinux() || NetnsNative.GetEUid() != 0 || !HostCommand.Exists("iptables") || !HostCommand.Exists("ip"))
        {
            _skip = "iptables.sh tests need root, ip and iptables (CI runs them as root)";
            return;
        }

        await NetworkNamespace.RemoveStale();
        _ns = await NetworkNamespace.CreateAsync("ipt");
    }

    public async Task DisposeAsync()
    {
        if (_ns is not null)
        {
            await _ns.DisposeAsync();
        }
    }

    private async Task<string> RulesAsync()
        => await _ns!.CheckAsync("iptables", "-t", "nat", "-S") + await _ns.CheckAsync("ip6tables", "-t", "nat", "-S");

    [SkippableFact]
    public async Task Install_LoadsIstiosRules_AndTwiceGivesTheSameRules()
    {
        Skip.If(_skip is not null, _skip);

        await _ns!.CheckAsync(Script, "install");
        var once = await RulesAsync();
        await _ns.CheckAsync(Script, "install");

        Assert.Equal(once, await RulesAsync());
        Assert.Contains("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001", once);
        Assert.Contains("-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006", once);
        Assert.Contains("-A ISTIO_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN", once);
        Assert.Contains("-A ISTIO_OUTPUT -s ::6/128 -o lo -j RETURN", once);
        Assert.Contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN", once);
        Assert.Contains("-A ISTIO_INBOUND -p tcp -m tcp --dport 15021 -j RETURN", once);
    }

    [SkippableFact]
    public async Task Options_ChangePortsUidsAndRanges()
    {
        Skip.If(_skip is not null, _skip);

        await _ns!.CheckAsync(Script, "install", "--proxy-uid", "2000", "--outbound-port", "16001", "--inbound-port", "16006",
            "--exclude-inbound-ports", "8081", "--include-outbound-cidrs", "10.0.0.0/8,fd00::/8", "--exclude-outbound-cidrs", "10.1.0.0/16");
        var rules = await RulesAsync();

        Assert.Contains("--to-ports 16001", rules);
        Assert.Contains("--to-ports 16006", rules);
        Assert.Contains("--uid-owner 2000", rules);
        Assert.Contains("--gid-owner 2000", rules);
        Assert.Contains("--dport 8081 -j RETURN", rules);
        Assert.Contains("-A ISTIO_OUTPUT -d 10.1.0.0/16 -j RETURN", rules);
        Assert.Contains("-A ISTIO_OUTPUT -d 10.0.0.0/8 -j ISTIO_REDIRECT", rules);
        Assert.Contains("-A ISTIO_OUTPUT -d fd00::/8 -j ISTIO_REDIRECT", rules);
        Assert.DoesNotContain("-A ISTIO_OUTPUT -j ISTIO_REDIRECT", rules);
    }

    [SkippableFact]
    public async Task Remove_CleansEverything_AlsoWhenHalfInstalled()
    {
        Skip.If(_skip is not null, _skip);
        var empty = await RulesAsync();
        await _ns!.CheckAsync(Script, "install");

        // Break it the way an interrupted run could: a chain gone, a duplicate jump, a flushed chain.
        await _ns.CheckAsync("iptables", "-t", "nat", "-F", "ISTIO_OUTPUT");
        await _ns.CheckAsync("iptables", "-t", "nat", "-D", "PREROUTING", "-p", "tcp", "-j", "ISTIO_INBOUND");
        await _ns.CheckAsync("iptables", "-t", "nat", "-F", "ISTIO_INBOUND");
        await _ns.CheckAsync("iptables", "-t", "nat", "-X", "ISTIO_INBOUND");
        await _ns.CheckAsync("iptables", "-t", "nat", "-A", "OUTPUT", "-j", "ISTIO_OUTPUT");
        await _ns.CheckAsync(Script, "remove");
        await _ns.CheckAsync(Script, "remove");

        Assert.Equal(empty, await RulesAsync());
        Assert.DoesNotContain("::6/128", await _ns.CheckAsync("ip", "-6", "addr", "show", "dev", "lo"));
    }

    [SkippableFact]
    public async Task WithoutRoot_RefusesClearly()
    {
        Skip.If(_skip is not null || !HostCommand.Exists("setpriv"), _skip ?? "needs setpriv");

        var (code, _, stderr) = await _ns!.RunAsync(TransparentMesh.AppUid, Script, "install");

        Assert.Equal(1, code);
        Assert.Contains("must run as root", stderr);
        Assert.DoesNotContain("ISTIO", await RulesAsync());
    }
}

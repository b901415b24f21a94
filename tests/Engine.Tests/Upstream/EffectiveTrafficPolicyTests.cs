using Engine.Config;
using Engine.Config.Model;
using Engine.Upstream;

namespace Engine.Tests.Upstream;

/// <summary>Istio's policy precedence (istio-semantics.md §4.2) on DestinationRules loaded from YAML.</summary>
public sealed class EffectiveTrafficPolicyTests
{
    private static DestinationRule Load(string yaml)
    {
        var result = ConfigLoader.LoadText(yaml, "dr.yaml", "default");
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return result.Snapshot!.DestinationRules.Single().Spec;
    }

    private const string Rule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: svc}
        spec:
          host: svc
          trafficPolicy:
            loadBalancer: {simple: ROUND_ROBIN}
            connectionPool:
              tcp: {maxConnections: 10}
            portLevelSettings:
            - port: {number: 443}
              tls: {mode: SIMPLE}
          subsets:
          - name: plain
            labels: {version: v1}
          - name: random
            labels: {version: v2}
            trafficPolicy:
              loadBalancer: {simple: RANDOM}
          - name: port-level
            labels: {version: v3}
            trafficPolicy:
              portLevelSettings:
              - port: {number: 80}
                loadBalancer: {simple: LEAST_REQUEST}
        """;

    [Fact]
    public void TopLevel_AppliesToPortsWithoutAPortLevelEntry()
    {
        var rule = Load(Rule);

        var policy = EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, null, 80);

        Assert.Equal(SimpleLb.RoundRobin, policy.LoadBalancer?.Simple);
        Assert.Equal(10, policy.ConnectionPool?.Tcp?.MaxConnections);
    }

    [Fact]
    public void PortLevelEntry_ReplacesTheTopLevelPolicyEntirely()
    {
        var rule = Load(Rule);

        var policy = EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, null, 443);

        Assert.Equal(TlsMode.Simple, policy.Tls?.Mode);
        Assert.Null(policy.LoadBalancer);   // reverts to the default (LEAST_REQUEST), not ROUND_ROBIN
        Assert.Null(policy.ConnectionPool); // not the top-level maxConnections either
    }

    [Fact]
    public void SubsetPolicy_OverridesOnlyWhatItSets()
    {
        var rule = Load(Rule);

        var random = EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, rule.Subsets.Single(s => s.Name == "random"), 80);
        var plain = EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, rule.Subsets.Single(s => s.Name == "plain"), 80);

        Assert.Equal(SimpleLb.Random, random.LoadBalancer?.Simple);
        Assert.Equal(10, random.ConnectionPool?.Tcp?.MaxConnections);
        Assert.Equal(SimpleLb.RoundRobin, plain.LoadBalancer?.Simple);
    }

    [Fact]
    public void SubsetPortLevelPolicy_ReplacesEverythingForItsPort()
    {
        var rule = Load(Rule);

        var policy = EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, rule.Subsets.Single(s => s.Name == "port-level"), 80);

        Assert.Equal(SimpleLb.LeastRequest, policy.LoadBalancer?.Simple);
        Assert.Null(policy.ConnectionPool);
    }

    [Fact]
    public void RetryBudgetAndProxyProtocol_TopLevelOnly_DroppedByAPortLevelEntry_OverriddenByASubsetThatSetsOne()
    {
        var rule = Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc}
            spec:
              host: svc
              trafficPolicy:
                retryBudget: {percent: 10}
                proxyProtocol: {version: V1}
                portLevelSettings:
                - port: {number: 443}
                  tls: {mode: SIMPLE}
              subsets:
              - name: plain
                labels: {version: v1}
              - name: own
                labels: {version: v2}
                trafficPolicy:
                  retryBudget: {percent: 50, minRetryConcurrency: 1}
                  proxyProtocol: {version: V2}
            """);

        Assert.Equal(10, EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, null, 80).RetryBudget?.Percent);
        Assert.Null(EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, null, 443).RetryBudget);
        Assert.Equal(10, EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, rule.Subsets[0], 80).RetryBudget?.Percent);
        Assert.Equal(50, EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, rule.Subsets[1], 80).RetryBudget?.Percent);
        Assert.Equal(50, EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, rule.Subsets[1], 443).RetryBudget?.Percent);
        Assert.Equal(ProxyProtocolVersion.V1, EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, rule.Subsets[0], 80).ProxyProtocol?.Version);
        Assert.Null(EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, null, 443).ProxyProtocol);
        Assert.Equal(ProxyProtocolVersion.V2, EffectiveTrafficPolicy.Resolve(rule.TrafficPolicy, rule.Subsets[1], 80).ProxyProtocol?.Version);
    }
}

using Engine.Config.Model;

namespace Engine.Tests.Config;

/// <summary>Binding rules: field spellings, node types, scalars, enums, percentages, presence.</summary>
public sealed class BindingTests
{
    [Fact]
    public void Load_SnakeCaseAndCamelCase_BindTheSame()
    {
        const string Snake = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: a}
            spec:
              host: a
              traffic_policy:
                connection_pool:
                  http: {http1_max_pending_requests: 5, max_requests_per_connection: 1}
                outlier_detection: {consecutive_5xx_errors: 0, base_ejection_time: 30s}
                load_balancer: {consistent_hash: {http_header_name: x-user}}
            """;
        const string Camel = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: a}
            spec:
              host: a
              trafficPolicy:
                connectionPool:
                  http: {http1MaxPendingRequests: 5, maxRequestsPerConnection: 1}
                outlierDetection: {consecutive5xxErrors: 0, baseEjectionTime: 30s}
                loadBalancer: {consistentHash: {httpHeaderName: x-user}}
            """;

        var snake = ConfigAssert.LoadValid(Snake).DestinationRules[0].Spec.TrafficPolicy!;
        var camel = ConfigAssert.LoadValid(Camel).DestinationRules[0].Spec.TrafficPolicy!;

        foreach (var policy in new[] { snake, camel })
        {
            Assert.Equal(5, policy.ConnectionPool!.Http!.Http1MaxPendingRequests);
            Assert.Equal(1, policy.ConnectionPool.Http.MaxRequestsPerConnection);
            Assert.Equal(0u, policy.OutlierDetection!.Consecutive5xxErrors);
            Assert.Equal(TimeSpan.FromSeconds(30), policy.OutlierDetection.BaseEjectionTime);
            Assert.Equal("x-user", policy.LoadBalancer!.ConsistentHash!.HttpHeaderName);
        }
    }

    [Fact]
    public void Load_SameFieldInBothSpellings_IsDuplicateFieldError()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {prefix: /a}}]
                redirect:
                  prefixRewrite: /b
                  prefix_rewrite: /c
            """));

        ConfigAssert.HasError(result, 12, "spec.http[0].redirect.prefixRewrite", "duplicate field \"prefix_rewrite\" (already set on line 11)");
    }

    [Fact]
    public void Load_UnknownField_ReportsLineAndPath()
    {
        var result = ConfigAssert.Load(Vs("""
              - route:
                - destinaton:
                    host: reviews
            """));

        ConfigAssert.HasError(result, 10, "spec.http[0].route[0].destinaton", "unknown field \"destinaton\"");
        // The misspelt field leaves the destination missing, which is reported too.
        ConfigAssert.HasError(result, 10, "spec.http[0].route[0].destination", "destination is required");
        Assert.Null(result.Snapshot);
    }

    [Fact]
    public void Load_WrongNodeType_MapWhereListBelongs()
    {
        var result = ConfigAssert.Load(Vs("""
              - route:
                  destination:
                    host: reviews
            """));

        var error = ConfigAssert.SingleError(result);
        Assert.Equal((10, "spec.http[0].route"), (error.Line, error.Path));
        Assert.Equal("expected a list, got a mapping", error.Message);
    }

    [Fact]
    public void Load_WrongNodeType_ScalarWhereMappingBelongs()
    {
        var result = ConfigAssert.Load(Vs("""
              - route:
                - destination: reviews
            """));

        var error = ConfigAssert.SingleError(result);
        Assert.Equal((10, "spec.http[0].route[0].destination"), (error.Line, error.Path));
        Assert.Equal("expected a mapping, got the scalar \"reviews\"", error.Message);
    }

    [Theory]
    [InlineData("port: http", "expected an integer, got \"http\"")]
    [InlineData("port: -1", "value -1 is out of range for uint32")]
    [InlineData("port: 99999999999", "value 99999999999 is out of range for uint32")]
    [InlineData("port: 8.5", "expected an integer, got \"8.5\"")]
    [InlineData("port: [80]", "expected an integer, got a list")]
    public void Load_BadInteger_ReportsLine(string field, string message)
    {
        var result = ConfigAssert.Load(Vs($$$"""
              - match:
                - {{{field}}}
                route: [{destination: {host: reviews}}]
            """));

        var error = ConfigAssert.SingleError(result);
        Assert.Equal((10, "spec.http[0].match[0].port"), (error.Line, error.Path));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Load_QuotedNumber_IsAccepted()
    {
        var vs = ConfigAssert.LoadValid(Vs("""
              - match: [{port: "8080"}]
                route: [{destination: {host: reviews}, weight: "100"}]
            """)).VirtualServices[0].Spec;

        Assert.Equal(8080u, vs.Http[0].Match[0].Port);
        Assert.Equal(100, vs.Http[0].Route[0].Weight);
    }

    [Theory]
    [InlineData("ROUND_ROBIN", SimpleLbName.RoundRobin)]
    [InlineData("LEAST_REQUEST", SimpleLbName.LeastRequest)]
    [InlineData("4", SimpleLbName.RoundRobin)]
    [InlineData("2", SimpleLbName.Random)]
    public void Load_EnumByNameOrNumber_Binds(string value, SimpleLbName expected)
    {
        var lb = ConfigAssert.LoadValid(Dr($"trafficPolicy: {{loadBalancer: {{simple: {value}}}}}")).DestinationRules[0].Spec.TrafficPolicy!.LoadBalancer!;

        Assert.Equal(expected.ToString(), lb.Simple.ToString());
    }

    [Theory]
    [InlineData("ROUNDROBIN", "unknown value \"ROUNDROBIN\" (expected one of UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST)")]
    [InlineData("round_robin", "unknown value \"round_robin\" (enum names are case-sensitive: did you mean ROUND_ROBIN?)")]
    [InlineData("9", "unknown value \"9\"")]
    public void Load_BadEnum_ReportsAllowedValues(string value, string message)
    {
        var result = ConfigAssert.Load(Dr($"trafficPolicy: {{loadBalancer: {{simple: {value}}}}}"));

        var error = ConfigAssert.SingleError(result);
        Assert.Equal((6, "spec.trafficPolicy.loadBalancer.simple"), (error.Line, error.Path));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("yes", true)]
    [InlineData("on", true)]
    [InlineData("false", false)]
    [InlineData("FALSE", false)]
    [InlineData("no", false)]
    [InlineData("\"true\"", true)]
    public void Load_BooleanForms_Bind(string value, bool expected)
    {
        var match = ConfigAssert.LoadValid(Vs($$$"""
              - match: [{ignoreUriCase: {{{value}}}, uri: {prefix: /a}}]
                route: [{destination: {host: reviews}}]
            """)).VirtualServices[0].Spec.Http[0].Match[0];

        Assert.Equal(expected, match.IgnoreUriCase);
    }

    [Fact]
    public void Load_BadBoolean_IsError()
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load(Vs("""
              - match: [{ignoreUriCase: maybe}]
                route: [{destination: {host: reviews}}]
            """)));

        Assert.Equal((9, "spec.http[0].match[0].ignoreUriCase"), (error.Line, error.Path));
        Assert.Equal("expected a boolean (true or false), got \"maybe\"", error.Message);
    }

    [Fact]
    public void Load_BadDuration_ReportsLineAndPath()
    {
        var result = ConfigAssert.Load(Vs("""
              - route: [{destination: {host: reviews}}]
                timeout: 10
                retries: {attempts: 2, perTryTimeout: 1x}
            """));

        ConfigAssert.HasError(result, 10, "spec.http[0].timeout", "invalid duration \"10\": missing unit");
        ConfigAssert.HasError(result, 11, "spec.http[0].retries.perTryTimeout", "unknown unit \"x\"");
        Assert.Equal(2, result.Errors.Count());
    }

    [Fact]
    public void Load_PercentForms_ObjectValueAndDeprecatedIntegers()
    {
        var result = ConfigAssert.Load(Vs("""
              - route: [{destination: {host: reviews}}]
                fault:
                  abort: {httpStatus: 503, percentage: {value: 0.5}}
                  delay: {fixedDelay: 1s, percent: 25}
                mirror: {host: reviews, subset: v2}
                mirrorPercent: 50
              - route: [{destination: {host: ratings}}]
                mirror: {host: ratings}
                mirrorPercentage: {value: 12.5}
              - route: [{destination: {host: details}}]
                mirrors:
                - destination: {host: shadow}
                  percentage: {}
            """));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var http = result.Snapshot!.VirtualServices[0].Spec.Http;
        Assert.Equal(0.5, http[0].Fault!.Abort!.Percentage);
        Assert.Equal(25, http[0].Fault!.Delay!.Percent);
        Assert.Null(http[0].Fault!.Delay!.Percentage);
        Assert.Equal(50u, http[0].MirrorPercent);
        Assert.Null(http[0].MirrorPercentage);
        Assert.Equal(12.5, http[1].MirrorPercentage);
        Assert.Equal(0.0, http[2].Mirrors[0].Percentage);
        ConfigAssert.HasWarning(result, 14, "spec.http[0].mirrorPercent", "deprecated");
        ConfigAssert.HasWarning(result, 12, "spec.http[0].fault.delay.percent", "deprecated");
    }

    [Fact]
    public void Load_PercentageAsBareNumber_IsError()
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load(Vs("""
              - route: [{destination: {host: reviews}}]
                mirror: {host: reviews}
                mirrorPercentage: 50
            """)));

        Assert.Equal((11, "spec.http[0].mirrorPercentage"), (error.Line, error.Path));
        Assert.Equal("expected a mapping {value: <number>}, got the scalar \"50\"", error.Message);
    }

    [Fact]
    public void Load_WrapperFields_KeepPresence()
    {
        var dr = ConfigAssert.LoadValid(Dr("""
            trafficPolicy:
                outlierDetection: {consecutive5xxErrors: 0, interval: 10s}
              subsets:
              - name: v1
                trafficPolicy: {outlierDetection: {interval: 10s}}
            """)).DestinationRules[0].Spec;

        Assert.Equal(0u, dr.TrafficPolicy!.OutlierDetection!.Consecutive5xxErrors);
        Assert.Null(dr.Subsets[0].TrafficPolicy!.OutlierDetection!.Consecutive5xxErrors);
        Assert.Null(dr.Subsets[0].TrafficPolicy!.OutlierDetection!.ConsecutiveGatewayErrors);
    }

    [Fact]
    public void Load_StringMatchForms_EmptyMapIsPresence()
    {
        var match = ConfigAssert.LoadValid(Vs("""
              - match:
                - headers:
                    x-present: {}
                    x-exact-empty: {exact: ""}
                    x-prefix: {prefix: ab}
                    x-regex: {regex: "a+b"}
                  queryParams:
                    debug: {}
                  withoutHeaders:
                    x-absent: {}
                route: [{destination: {host: reviews}}]
            """)).VirtualServices[0].Spec.Http[0].Match[0];

        Assert.Equal(new[] { "x-present", "x-exact-empty", "x-prefix", "x-regex" }, match.Headers.Keys);
        Assert.Equal(StringMatchKindName.Presence, Kind(match.Headers["x-present"]));
        Assert.True(match.Headers["x-present"].IsPresenceMatch);
        Assert.Equal((StringMatchKindName.Exact, ""), (Kind(match.Headers["x-exact-empty"]), match.Headers["x-exact-empty"].Value));
        Assert.Equal((StringMatchKindName.Prefix, "ab"), (Kind(match.Headers["x-prefix"]), match.Headers["x-prefix"].Value));
        Assert.Equal((StringMatchKindName.Regex, "a+b"), (Kind(match.Headers["x-regex"]), match.Headers["x-regex"].Value));
        Assert.Equal(StringMatchKindName.Presence, Kind(match.QueryParams["debug"]));
        Assert.Equal(StringMatchKindName.Presence, Kind(match.WithoutHeaders["x-absent"]));
    }

    [Theory]
    [InlineData("uri: {exact: /a, prefix: /b}", 10, "spec.http[0].match[0].uri.prefix", "only one of exact and prefix may be set")]
    [InlineData("port: 80\n    redirect: {authority: x, port: 8080, derivePort: FROM_REQUEST_PORT}", 11, "spec.http[0].redirect.derivePort", "only one of port and derivePort may be set")]
    public void Load_OneofSetTwice_IsError(string match, int line, string path, string message)
    {
        var result = ConfigAssert.Load(Vs($$$"""
              - match:
                - {{{match}}}
            """));

        ConfigAssert.HasError(result, line, path, message);
    }

    [Fact]
    public void Load_OneofsInDestinationRuleAndFault_AreExclusive()
    {
        var result = ConfigAssert.Load(Dr("""
            trafficPolicy:
                loadBalancer:
                  simple: RANDOM
                  consistentHash: {httpHeaderName: a, useSourceIp: true, ringHash: {minimumRingSize: 10}, maglev: {tableSize: 7}}
            """));

        ConfigAssert.HasError(result, 9, "spec.trafficPolicy.loadBalancer.consistentHash", "only one of simple and consistentHash may be set");
        Assert.Single(result.Errors);

        var hash = ConfigAssert.Load(Dr("""
            trafficPolicy:
                loadBalancer:
                  consistentHash: {httpHeaderName: a, useSourceIp: true, ringHash: {minimumRingSize: 10}, maglev: {tableSize: 7}}
            """));

        ConfigAssert.HasError(hash, 8, "spec.trafficPolicy.loadBalancer.consistentHash.useSourceIp", "only one of httpHeaderName and useSourceIp may be set");
        ConfigAssert.HasError(hash, 8, "spec.trafficPolicy.loadBalancer.consistentHash.maglev", "only one of ringHash and maglev may be set");
    }

    [Fact]
    public void Load_DirectResponseBytes_AreBase64Decoded()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {exact: /a}}]
                directResponse: {status: 200, body: {bytes: aGVsbG8=}}
              - match: [{uri: {exact: /b}}]
                directResponse: {status: 503, body: {string: "unavailable"}}
              - directResponse: {status: 200, body: {bytes: "not base64!"}}
            """));

        ConfigAssert.HasError(result, 13, "spec.http[2].directResponse.body.bytes", "expected base64-encoded bytes");
        var ok = ConfigAssert.LoadValid(Vs("""
              - directResponse: {status: 200, body: {bytes: aGVsbG8}}
            """)).VirtualServices[0].Spec.Http[0].DirectResponse!;
        Assert.Equal("hello"u8.ToArray(), ok.Body!.Bytes!.Value.ToArray());
    }

    [Fact]
    public void Load_NullsMeanAbsent_NullListItemsAreErrors()
    {
        var vs = ConfigAssert.LoadValid(Vs("""
              - route: [{destination: {host: reviews}}]
                retries:
                timeout: ~
                headers: null
            """)).VirtualServices[0].Spec.Http[0];
        Assert.Null(vs.Retries);
        Assert.Null(vs.Timeout);
        Assert.Null(vs.Headers);

        var error = ConfigAssert.SingleError(ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews, ~]
              http: [{route: [{destination: {host: reviews}}]}]
            """));
        Assert.Equal((5, "spec.hosts[1]", "list items must not be null"), (error.Line, error.Path, error.Message));
    }

    [Fact]
    public void Load_DuplicateMapKey_IsError()
    {
        var result = ConfigAssert.Load(Dr("""
            subsets:
              - name: v1
                labels:
                  version: v1
                  version: v2
            """));

        ConfigAssert.HasError(result, 10, "spec.subsets[0].labels.version", "duplicate key \"version\" (already set on line 9)");
    }

    [Fact]
    public void Load_Anchors_AreResolved()
    {
        var http = ConfigAssert.LoadValid(Vs("""
              - match: [{headers: {end-user: &jason {exact: jason}}}]
                route: [&v2 {destination: {host: reviews, subset: v2}}]
              - match: [{headers: {x-user: *jason}}]
                route: [*v2]
            """)).VirtualServices[0].Spec.Http;

        Assert.Equal("jason", http[1].Match[0].Headers["x-user"].Value);
        Assert.Equal("v2", http[1].Route[0].Destination!.Subset);
    }

    [Fact]
    public void Load_SourceLocations_PointAtFieldsAndItems()
    {
        var vs = ConfigAssert.LoadValid(Vs("""
              - name: first
                route:
                - destination:
                    host: reviews
                  weight: 100
            """)).VirtualServices[0].Spec;

        var route = vs.Http[0].Route[0];
        Assert.Equal(("test.yaml", 11, "spec.http[0].route[0]"), (route.Source.File, route.Source.Line, route.Source.Path));
        Assert.Equal((13, "spec.http[0].route[0].weight"), (route.Source.Field("weight").Line, route.Source.Field("weight").Path));
        Assert.Equal((12, "spec.http[0].route[0].destination.host"), (route.Destination!.Source.Field("host").Line, route.Destination.Source.Field("host").Path));
        Assert.Equal((7, "spec.hosts[0]"), (vs.Source.Field("hosts[0]").Line, vs.Source.Field("hosts[0]").Path));
        Assert.Equal((9, "spec.http[0]"), (vs.Http[0].Source.Line, vs.Http[0].Source.Path));
        // An absent field falls back to the record's own line.
        Assert.Equal((11, "spec.http[0].route[0].headers"), (route.Source.Field("headers").Line, route.Source.Field("headers").Path));
    }

    [Fact]
    public void Load_BindErrors_DoNotCascadeIntoValidationErrors()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: se}
            spec:
              hosts: [a.example.com]
              ports: [{number: 80, name: http, protocol: HTTP}]
              resolution: STATIK
              endpoints: [{address: 10.0.0.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: vs}
            spec:
              hosts: {reviews: true}
              gateways: [mesh]
              http:
              - route:
                - {destination: {host: reviews, port: {number: http}}, weight: many}
                - {destination: {host: reviews}, weight: 0}
                retries: {attempts: lots}
                directResponse: {status: OK}
            """);

        // One error per mistake (plus the genuine route/directResponse conflict): no "endpoints not
        // allowed for NONE", no delegate rules, no "port 0", no "total weight 0", no "attempts is 0", no "status 0".
        var errors = result.Errors.Select(e => (e.Line, e.Path)).ToList();
        Assert.Equal(
            new (int, string?)[]
            {
                (7, "spec.resolution"),
                (14, "spec.hosts"),
                (17, "spec.http[0].route"),
                (18, "spec.http[0].route[0].destination.port.number"),
                (18, "spec.http[0].route[0].weight"),
                (20, "spec.http[0].retries.attempts"),
                (21, "spec.http[0].directResponse.status"),
            },
            errors);
    }

    [Fact]
    public void Load_YamlMergeKey_IsRejectedWithClearMessage()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {prefix: /a}}]
                route: [{destination: &d {host: reviews}}]
              - route:
                - destination:
                    <<: *d
                    subset: v2
            """));

        ConfigAssert.HasError(result, 13, "spec.http[1].route[0].destination.<<", "YAML merge keys (<<) are not supported");
    }

    private static StringMatchKindName Kind(StringMatch match) => Enum.Parse<StringMatchKindName>(match.Kind.ToString());

    /// <summary>A VirtualService whose <c>http:</c> list starts on line 9 with the given items.</summary>
    internal static string Vs(string httpItems) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
        spec:
          hosts:
          - reviews
          http:
        {httpItems}
        """;

    /// <summary>A DestinationRule for host "reviews"; <paramref name="body"/> starts at line 6 with two-space indentation.</summary>
    internal static string Dr(string body) => $"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {"{name: reviews}"}
        spec:
          host: reviews
          {body}
        """;
}

/// <summary>Public mirror of the internal enum, for theory data.</summary>
public enum SimpleLbName
{
    Unspecified,
    LeastConn,
    Random,
    Passthrough,
    RoundRobin,
    LeastRequest,
}

/// <summary>Public mirror of the internal enum, for assertions.</summary>
public enum StringMatchKindName
{
    Presence,
    Exact,
    Prefix,
    Regex,
}

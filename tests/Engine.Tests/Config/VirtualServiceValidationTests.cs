using static Engine.Tests.Config.BindingTests;

namespace Engine.Tests.Config;

/// <summary>VirtualService rules as Istio's control plane enforces them (spec.http starts on line 9).</summary>
public sealed class VirtualServiceValidationTests
{
    [Fact]
    public void Validate_NegativeWeight_ReportsMustBeNonNegative()
    {
        var result = ConfigAssert.Load(Vs("""
              - route:
                - destination: {host: reviews, subset: v1}
                  weight: -5
                - destination: {host: reviews, subset: v2}
                  weight: 105
            """));

        var error = ConfigAssert.SingleError(result);
        Assert.Equal("test.yaml:11: VirtualService/reviews spec.http[0].route[0].weight: must be >= 0", error.ToString());
    }

    [Fact]
    public void Validate_TotalWeightZeroWithSeveralDestinations_IsError()
    {
        var result = ConfigAssert.Load(Vs("""
              - route:
                - destination: {host: reviews, subset: v1}
                - destination: {host: reviews, subset: v2}
                  weight: 0
            """));

        var error = ConfigAssert.SingleError(result);
        Assert.Equal((9, "spec.http[0].route"), (error.Line, error.Path));
        Assert.StartsWith("total destination weight is 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SingleDestinationWeightZeroAndRelativeWeights_AreValid()
    {
        ConfigAssert.LoadValid(Vs("""
              - match: [{uri: {prefix: /a}}]
                route: [{destination: {host: reviews}, weight: 0}]
              - route:
                - {destination: {host: reviews, subset: v1}, weight: 7}
                - {destination: {host: reviews, subset: v2}, weight: 3}
            """));
    }

    [Theory]
    [InlineData(@"(a)\\1", @"backreferences (\1) are not supported by RE2")]
    [InlineData(@"(?<n>a)\\k<n>", "named backreferences")]
    [InlineData("foo(?=bar)", "lookahead")]
    [InlineData("foo(?!bar)", "lookahead")]
    [InlineData("(?<=foo)bar", "lookbehind")]
    [InlineData("(?<!foo)bar", "lookbehind")]
    [InlineData("(?>foo)", "atomic groups")]
    [InlineData("a*+", "possessive quantifiers")]
    [InlineData("a**", "invalid nested repetition operator")]
    [InlineData("(abc", "invalid regex: ")]
    [InlineData("abc)", "invalid regex: ")]
    [InlineData("[abc", "missing closing ]")]
    [InlineData("a{1001}", "invalid repeat count")]
    [InlineData(@"\\e", @"invalid escape sequence \e")]
    [InlineData("(?#comment)a", "comments")]
    [InlineData("", "regex must not be empty")]
    public void Validate_BadRegex_IsError(string regex, string message)
    {
        var result = ConfigAssert.Load(Vs($$$"""
              - match:
                - uri:
                    regex: "{{{regex}}}"
                route: [{destination: {host: reviews}}]
            """));

        var error = ConfigAssert.SingleError(result);
        Assert.Equal((11, "spec.http[0].match[0].uri.regex"), (error.Line, error.Path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RegexLongerThan1024_IsError()
    {
        var regex = new string('a', 1025);
        var error = ConfigAssert.SingleError(ConfigAssert.Load(Vs(
            "  - match: [{headers: {x-id: {regex: \"" + regex + "\"}}}]\n    route: [{destination: {host: reviews}}]")));

        Assert.Equal("spec.http[0].match[0].headers.x-id.regex", error.Path);
        Assert.StartsWith("regex is too large (max 1024 bytes)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(?P<version>v[0-9]+)")]
    [InlineData(@"\\pL+")]
    [InlineData("[[:alpha:]]+")]
    [InlineData(@"\\x{263a}")]
    [InlineData(@"\\Q.*\\E")]
    [InlineData("(?i)jason")]
    [InlineData("^/api/v[0-9]+/.*$")]
    [InlineData("a{2,1000}?")]
    public void Validate_ValidRe2Syntax_IsAccepted(string regex)
    {
        ConfigAssert.LoadValid(Vs($$$"""
              - match: [{uri: {regex: "{{{regex}}}"}}]
                route: [{destination: {host: reviews}}]
            """));
    }

    [Fact]
    public void Validate_ActionConflicts_AreErrors()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {prefix: /a}}]
                route: [{destination: {host: reviews}}]
                redirect: {uri: /b}
                rewrite: {uri: /c}
              - match: [{uri: {prefix: /d}}]
                directResponse: {status: 200}
                fault: {abort: {httpStatus: 500, percentage: {value: 1}}}
              - match: [{uri: {prefix: /e}}]
                name: nothing
              - route: [{destination: {host: reviews}}]
                mirror: {host: reviews, subset: shadow}
                mirrors: [{destination: {host: reviews, subset: other}}]
            """));

        ConfigAssert.HasError(result, 10, "spec.http[0].route", "HTTP route cannot contain both route and redirect");
        ConfigAssert.HasError(result, 12, "spec.http[0].rewrite", "HTTP route cannot contain both rewrite and redirect");
        ConfigAssert.HasError(result, 15, "spec.http[1].fault", "HTTP route cannot contain both fault and directResponse");
        ConfigAssert.HasError(result, 16, "spec.http[2]", "HTTP route, redirect or directResponse is required");
        ConfigAssert.HasError(result, 20, "spec.http[3].mirrors", "HTTP route cannot contain both mirror and mirrors");
        Assert.Equal(5, result.Errors.Count());
    }

    [Fact]
    public void Validate_RedirectRules()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {prefix: /a}}]
                redirect: {redirectCode: 301}
              - match: [{uri: {prefix: /b}}]
                redirect: {uri: /x, prefixRewrite: /y, redirectCode: 404, scheme: ftp, port: 0}
              - match: [{uri: {prefix: /c}}]
                redirect: {authority: c.example.com, redirectCode: 305}
            """));

        ConfigAssert.HasError(result, 10, "spec.http[0].redirect", "redirect must specify uri, prefixRewrite, authority, scheme, port or derivePort");
        ConfigAssert.HasError(result, 12, "spec.http[1].redirect.prefixRewrite", "only one of uri and prefixRewrite may be set");
        ConfigAssert.HasError(result, 12, "spec.http[1].redirect.redirectCode", "404 is not a valid redirect code, must be 3xx");
        ConfigAssert.HasError(result, 12, "spec.http[1].redirect.scheme", "invalid redirect scheme");
        ConfigAssert.HasError(result, 12, "spec.http[1].redirect.port", "port number 0 must be in the range 1..65535");
        ConfigAssert.HasError(result, 14, "spec.http[2].redirect.redirectCode", "redirect code 305 is not supported");
        Assert.Equal(6, result.Errors.Count());
    }

    [Fact]
    public void Validate_DirectResponseStatus_Range()
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load(Vs("""
              - directResponse: {status: 199}
            """)));

        Assert.Equal(("spec.http[0].directResponse.status", "HTTP status 199 is not in range 200-599"), (error.Path, error.Message));
    }

    [Fact]
    public void Validate_RetryRules()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {prefix: /a}}]
                route: [{destination: {host: reviews}}]
                retries: {attempts: 3, retryOn: "503, reset,bogus"}
              - match: [{uri: {prefix: /b}}]
                route: [{destination: {host: reviews}}]
                retries: {attempts: 0, perTryTimeout: 1s}
              - match: [{uri: {prefix: /c}}]
                route: [{destination: {host: reviews}}]
                retries: {attempts: -1}
              - route: [{destination: {host: reviews}}]
                retries: {attempts: 2, retryOn: "5xx,retriable-status-codes,503,429,reset-before-request,unavailable"}
            """));

        ConfigAssert.HasError(result, 11, "spec.http[0].retries.retryOn", "\" reset\" is not a valid retryOn policy");
        ConfigAssert.HasError(result, 11, "spec.http[0].retries.retryOn", "\"bogus\" is not a valid retryOn policy");
        ConfigAssert.HasError(result, 14, "spec.http[1].retries.attempts", "retry policy configured while attempts is 0");
        ConfigAssert.HasError(result, 17, "spec.http[2].retries.attempts", "attempts cannot be negative");
        Assert.Equal(4, result.Errors.Count());
    }

    [Fact]
    public void Validate_FaultRules()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {prefix: /a}}]
                route: [{destination: {host: reviews}}]
                fault: {}
              - match: [{uri: {prefix: /b}}]
                route: [{destination: {host: reviews}}]
                fault:
                  abort: {httpStatus: 600, percentage: {value: 150}}
                  delay: {exponentialDelay: 1s, percentage: {value: 0.00001}}
              - match: [{uri: {prefix: /c}}]
                route: [{destination: {host: reviews}}]
                fault: {abort: {grpcStatus: unavailable, percentage: {value: 1}}}
              - match: [{uri: {prefix: /d}}]
                route: [{destination: {host: reviews}}]
                fault: {abort: {http2Error: PROTOCOL_ERROR, percentage: {value: 1}}}
              - route: [{destination: {host: reviews}}]
                fault: {delay: {fixedDelay: 500us, percentage: {value: 100}}}
            """));

        ConfigAssert.HasError(result, 11, "spec.http[0].fault", "fault injection must have an abort and/or a delay");
        ConfigAssert.HasError(result, 15, "spec.http[1].fault.abort.httpStatus", "HTTP status 600 is not in range 200-599");
        ConfigAssert.HasError(result, 15, "spec.http[1].fault.abort.percentage", "percentage 150 must be 0 or between 0.0001 and 100");
        ConfigAssert.HasError(result, 16, "spec.http[1].fault.delay.percentage", "percentage 1E-05 must be 0 or between 0.0001 and 100");
        ConfigAssert.HasError(result, 16, "spec.http[1].fault.delay.exponentialDelay", "exponentialDelay is not supported");
        ConfigAssert.HasError(result, 19, "spec.http[2].fault.abort.grpcStatus", "gRPC status \"unavailable\" is not supported");
        ConfigAssert.HasError(result, 22, "spec.http[3].fault.abort.http2Error", "HTTP/2 abort fault injection is not supported");
        ConfigAssert.HasError(result, 24, "spec.http[4].fault.delay.fixedDelay", "duration must be at least 1ms");
        Assert.Equal(8, result.Errors.Count());
    }

    [Fact]
    public void Validate_FaultWithoutPercentage_WarnsItNeverFires()
    {
        var result = ConfigAssert.Load(Vs("""
              - route: [{destination: {host: reviews}}]
                fault:
                  delay: {fixedDelay: 1s}
                  abort: {httpStatus: 503}
            """));

        Assert.True(result.Succeeded);
        ConfigAssert.HasWarning(result, 11, "spec.http[0].fault.delay", "never fires");
        ConfigAssert.HasWarning(result, 12, "spec.http[0].fault.abort", "never fires");
    }

    [Fact]
    public void Validate_CorsRules()
    {
        var result = ConfigAssert.Load(Vs("""
              - route: [{destination: {host: reviews}}]
                corsPolicy:
                  allowOrigin: [https://old.example]
                  allowOrigins: [{}, {regex: "(x"}]
                  allowMethods: [GET, get]
                  allowHeaders: ["bad header", "*"]
                  maxAge: 1500ms
            """));

        ConfigAssert.HasError(result, 12, "spec.http[0].corsPolicy.allowOrigins[0]", "needs a non-empty exact, prefix or regex");
        ConfigAssert.HasError(result, 12, "spec.http[0].corsPolicy.allowOrigins[1].regex", "invalid regex");
        ConfigAssert.HasError(result, 13, "spec.http[0].corsPolicy.allowMethods[1]", "\"get\" is not a supported HTTP method");
        ConfigAssert.HasError(result, 14, "spec.http[0].corsPolicy.allowHeaders[0]", "not a valid header name");
        ConfigAssert.HasError(result, 15, "spec.http[0].corsPolicy.maxAge", "whole number of seconds");
        Assert.Equal(5, result.Errors.Count());
        ConfigAssert.HasWarning(result, 11, "spec.http[0].corsPolicy.allowOrigin", "allowOrigin is deprecated");
    }

    [Fact]
    public void Validate_HeaderOperationRules()
    {
        var result = ConfigAssert.Load(Vs("""
              - route:
                - destination: {host: reviews}
                  headers:
                    response: {set: {host: x}}
                headers:
                  request:
                    set: {":path": /x, ":authority": a.example, x-ok: "%HOSTNAME% 100%%"}
                    add: {x-bad: "50%", x-ctl: "a\u0001b"}
                    remove: [host]
                  response:
                    remove: [":status"]
            """));

        ConfigAssert.HasError(result, 12, "spec.http[0].route[0].headers.response.set.host", "cannot set Host header");
        ConfigAssert.HasError(result, 15, "spec.http[0].headers.request.set.:path", "header cannot have \":\" prefix");
        ConfigAssert.HasError(result, 16, "spec.http[0].headers.request.add.x-bad", "invalid %VARIABLE%");
        ConfigAssert.HasError(result, 16, "spec.http[0].headers.request.add.x-ctl", "control character");
        ConfigAssert.HasError(result, 17, "spec.http[0].headers.request.remove[0]", "cannot set Host header");
        ConfigAssert.HasError(result, 19, "spec.http[0].headers.response.remove[0]", "header cannot have \":\" prefix");
        Assert.Equal(6, result.Errors.Count());
    }

    [Fact]
    public void Validate_AuthorityRewrittenTwice_IsError()
    {
        var result = ConfigAssert.Load(Vs("""
              - route: [{destination: {host: reviews}}]
                rewrite: {authority: a.example}
                headers:
                  request:
                    set: {host: b.example}
            """));

        var error = ConfigAssert.SingleError(result);
        Assert.Equal((12, "spec.http[0].headers.request"), (error.Line, error.Path));
        Assert.StartsWith("authority header cannot be set multiple times", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RewriteRules()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {prefix: /a}}]
                route: [{destination: {host: reviews}}]
                rewrite: {uri: /x, uriRegexRewrite: {match: "^/a", rewrite: /b}}
              - match: [{uri: {prefix: /b}}]
                route: [{destination: {host: reviews}}]
                rewrite: {}
              - route: [{destination: {host: reviews}}]
                rewrite: {uriRegexRewrite: {match: "(a)\\1"}}
            """));

        ConfigAssert.HasError(result, 11, "spec.http[0].rewrite.uriRegexRewrite", "rewrite may only contain one of uri or uriRegexRewrite");
        ConfigAssert.HasError(result, 14, "spec.http[1].rewrite", "rewrite must specify at least one of uri, uriRegexRewrite or authority");
        ConfigAssert.HasError(result, 16, "spec.http[2].rewrite.uriRegexRewrite", "uriRegexRewrite requires both match and rewrite");
        ConfigAssert.HasError(result, 16, "spec.http[2].rewrite.uriRegexRewrite.match", "backreferences");
        Assert.Equal(4, result.Errors.Count());
    }

    [Fact]
    public void Validate_HostRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: hosts}
            spec:
              hosts: ["*.foo.com", a.foo.com, "bad_host", 10.0.0.1]
              http: [{route: [{destination: {host: reviews}}]}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: star}
            spec:
              hosts: ["*"]
              http: [{route: [{destination: {host: reviews}}]}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: overlap}
            spec:
              hosts: ["*.foo.com", a.foo.com]
              http: [{route: [{destination: {host: reviews}}]}]
            """);

        ConfigAssert.HasError(result, 5, "spec.hosts[2]", "domain name \"bad_host\" is invalid");
        ConfigAssert.HasError(result, 12, "spec.hosts[0]", "wildcard host * is not allowed for virtual services bound to the mesh gateway");
        ConfigAssert.HasError(result, 19, "spec.hosts[1]", "duplicate hosts in virtual service: *.foo.com & a.foo.com");
        Assert.Equal(3, result.Errors.Count());
    }

    [Fact]
    public void Validate_StarHostOnGatewayOnly_IsAllowedWithWarning()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: gw}
            spec:
              hosts: ["*"]
              gateways: [istio-system/ingress]
              http: [{route: [{destination: {host: reviews}}]}]
            """);

        Assert.True(result.Succeeded);
        ConfigAssert.HasWarning(result, 6, "spec.gateways", "does not apply to sidecars: gateways [istio-system/ingress] do not include \"mesh\"");
    }

    [Fact]
    public void Validate_DestinationRules()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {prefix: /a}}]
                route: [{destination: {host: "*"}}]
              - match: [{uri: {prefix: /b}}]
                route: [{destination: {host: reviews, subset: V_1, port: {number: 70000}}}]
              - route: [{destination: {subset: v1}}]
            """));

        ConfigAssert.HasError(result, 10, "spec.http[0].route[0].destination.host", "invalid destination host *");
        ConfigAssert.HasError(result, 12, "spec.http[1].route[0].destination.subset", "subset name \"V_1\" is invalid");
        ConfigAssert.HasError(result, 12, "spec.http[1].route[0].destination.port.number", "port number 70000 must be in the range 1..65535");
        ConfigAssert.HasError(result, 13, "spec.http[2].route[0].destination.host", "host is required");
        Assert.Equal(4, result.Errors.Count());
    }

    [Theory]
    [InlineData("0s", "duration must be at least 1ms (got 0s)")]
    [InlineData("1500us", "duration must be a whole number of milliseconds")]
    [InlineData("-1s", "duration must be at least 1ms")]
    public void Validate_TimeoutDuration_Rules(string timeout, string message)
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load(Vs($$$"""
              - route: [{destination: {host: reviews}}]
                timeout: {{{timeout}}}
            """)));

        Assert.Equal((10, "spec.http[0].timeout"), (error.Line, error.Path));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MatchRules()
    {
        var result = ConfigAssert.Load(Vs("""
              - match:
                - headers: {"bad header": {exact: a}, "@request.auth.claims.group": {exact: admin}}
                  method: {prefix: ""}
                  uri: {prefix: ""}
                  port: 70000
                  sourceLabels: {"-bad": x}
                  sourceNamespace: Not_A_Label
                  gateways: ["ns/"]
                route: [{destination: {host: reviews}}]
            """));

        ConfigAssert.HasError(result, 10, "spec.http[0].match[0].headers[\"bad header\"]", "is not a valid header name");
        ConfigAssert.HasError(result, 10, "spec.http[0].match[0].headers[\"@request.auth.claims.group\"]", "JWT claim based routing is only supported for gateways");
        ConfigAssert.HasError(result, 11, "spec.http[0].match[0].method.prefix", "prefix string match must not be empty");
        ConfigAssert.HasError(result, 13, "spec.http[0].match[0].port", "port number 70000 must be in the range 1..65535");
        ConfigAssert.HasError(result, 14, "spec.http[0].match[0].sourceLabels.-bad", "invalid label key \"-bad\"");
        ConfigAssert.HasError(result, 15, "spec.http[0].match[0].sourceNamespace", "is invalid");
        ConfigAssert.HasError(result, 16, "spec.http[0].match[0].gateways[0]", "gateway namespace and name must not be empty");
        Assert.Equal(7, result.Errors.Count());
    }

    [Fact]
    public void Validate_DelegateRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: root}
            spec:
              hosts: [bookinfo.com]
              http:
              - match: [{uri: {prefix: /reviews}}]
                delegate: {name: reviews}
                route: [{destination: {host: reviews}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              gateways: [mesh]
              http:
              - delegate: {name: again}
              tcp:
              - route: [{destination: {host: reviews}}]
            """);

        ConfigAssert.HasError(result, 9, "spec.http[0].route", "a root HTTP route with delegate must not specify route");
        ConfigAssert.HasError(result, 15, "spec.gateways", "a delegate VirtualService (one without hosts) must not specify gateways");
        ConfigAssert.HasError(result, 18, "spec.tcp", "must not have tcp routes");
        ConfigAssert.HasError(result, 17, "spec.http[0].delegate", "cannot delegate again");
        Assert.Equal(4, result.Errors.Count());
    }

    [Fact]
    public void Validate_EmptyVirtualService_IsError()
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: empty}
            spec:
              hosts: [reviews]
            """));

        Assert.Equal((4, "spec", "http, tcp or tls must be provided"), (error.Line, error.Path, error.Message));
    }

    [Fact]
    public void TcpSourceSubnet_IsCheckedAndWarnedAsNotEnforced()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: l4}
            spec:
              hosts: [db]
              tcp:
              - match: [{sourceSubnet: 10.0.0.0/8}]
                route: [{destination: {host: db}}]
              - match: [{sourceSubnet: 10.0.0.0/99}]
                route: [{destination: {host: db}}]
            """);

        ConfigAssert.HasError(result, 9, "spec.tcp[1].match[0].sourceSubnet", "not a valid IP address or CIDR block");
        ConfigAssert.HasWarning(result, 7, "spec.tcp[0].match[0].sourceSubnet", "not enforced");
    }

    [Fact]
    public void Validate_TlsAndTcpRoutes()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: l4}
            spec:
              hosts: ["*.example.com"]
              tls:
              - match:
                - sniHosts: [a.example.com, other.org]
                  destinationSubnets: [10.0.0.0/33]
                route: [{destination: {host: a.example.com}}]
              - match: [{port: 443}]
              tcp:
              - match: [{port: 3306}]
            """);

        ConfigAssert.HasError(result, 8, "spec.tls[0].match[0].sniHosts[1]", "SNI host \"other.org\" is not a compatible subset of any of the virtual service hosts");
        ConfigAssert.HasError(result, 9, "spec.tls[0].match[0].destinationSubnets[0]", "not a valid IP address or CIDR block");
        ConfigAssert.HasError(result, 11, "spec.tls[1].match[0]", "TLS match must have at least one SNI host");
        ConfigAssert.HasError(result, 11, "spec.tls[1]", "TLS route is required");
        ConfigAssert.HasError(result, 13, "spec.tcp[0]", "TCP route is required");
        Assert.Equal(5, result.Errors.Count());
    }

    [Fact]
    public void Validate_ExportTo_Rules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: export, namespace: prod}
            spec:
              hosts: [reviews]
              exportTo: [".", prod, "*", Bad_NS]
              http: [{route: [{destination: {host: reviews}}]}]
            """);

        ConfigAssert.HasError(result, 6, "spec.exportTo[1]", "duplicate entry \"prod\" in exportTo");
        ConfigAssert.HasError(result, 6, "spec.exportTo[3]", "invalid exportTo value \"Bad_NS\"");
        ConfigAssert.HasError(result, 6, "spec.exportTo", "cannot have both public (*) and non-public exportTo values");
        Assert.Equal(3, result.Errors.Count());
    }

    [Fact]
    public void Validate_RulesAfterCatchAll_WarnUnreachable()
    {
        var result = ConfigAssert.Load(Vs("""
              - name: all
                match: [{uri: {prefix: /}}]
                route: [{destination: {host: reviews}}]
              - name: never
                match: [{headers: {end-user: {exact: jason}}}]
                route: [{destination: {host: reviews, subset: v2}}]
            """));

        Assert.True(result.Succeeded);
        ConfigAssert.HasWarning(result, 12, "spec.http[1]", "rule \"never\" is unreachable: rule \"all\" before it matches every request");
    }

    [Fact]
    public void Validate_DuplicateMatch_WarnsNeverUsed()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{uri: {prefix: /a}, name: first}]
                route: [{destination: {host: reviews}}]
              - match:
                - uri: {prefix: /a}
                  name: same-but-renamed
                route: [{destination: {host: reviews, subset: v2}}]
              - route: [{destination: {host: reviews}}]
            """));

        Assert.True(result.Succeeded);
        ConfigAssert.HasWarning(result, 12, "spec.http[1].match[0]", "match is never used: rule #0 has the same match");
        ConfigAssert.HasWarning(result, 11, "spec.http[1]", "rule #1 is unreachable: all its matches are used by earlier rules");
        ConfigAssert.NoWarningContaining(result, "rule #2");
    }

    [Fact]
    public void Validate_HostHeaderMatch_Warns()
    {
        var result = ConfigAssert.Load(Vs("""
              - match: [{headers: {host: {exact: reviews}}}]
                route: [{destination: {host: reviews}}]
            """));

        Assert.True(result.Succeeded);
        ConfigAssert.HasWarning(result, 9, "spec.http[0].match[0].headers.host", "never matches");
    }
}

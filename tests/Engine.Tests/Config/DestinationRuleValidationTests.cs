namespace Engine.Tests.Config;

/// <summary>DestinationRule rules as Istio's control plane enforces them.</summary>
public sealed class DestinationRuleValidationTests
{
    [Fact]
    public void Validate_SubsetRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - name: v1
                labels: {version: v1}
              - name: v1
                labels: {version: v1-again}
              - name: V_2
              - labels: {version: v3}
              - name: v4
                labels: {"bad key!": x, version: "not valid"}
            """);

        ConfigAssert.HasError(result, 9, "spec.subsets[1].name", "duplicate subset name \"v1\" (also subsets[0])");
        ConfigAssert.HasError(result, 11, "spec.subsets[2].name", "subset name \"V_2\" is invalid (must be a DNS-1123 label)");
        ConfigAssert.HasError(result, 12, "spec.subsets[3].name", "subset name is required");
        ConfigAssert.HasError(result, 14, "spec.subsets[4].labels[\"bad key!\"]", "invalid label key \"bad key!\"");
        ConfigAssert.HasError(result, 14, "spec.subsets[4].labels.version", "invalid label value \"not valid\"");
        Assert.Equal(5, result.Errors.Count());
    }

    [Fact]
    public void Validate_HostRequired()
    {
        var error = ConfigAssert.SingleError(ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: nohost}
            spec:
              subsets: [{name: v1}]
            """));

        Assert.Equal((4, "spec.host", "host is required"), (error.Line, error.Path, error.Message));
        Assert.Equal("test.yaml:4: DestinationRule/nohost spec.host: host is required", error.ToString());
    }

    [Fact]
    public void Validate_LoadBalancerRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: lb}
            spec:
              host: reviews
              subsets:
              - name: cookie
                trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {path: /}}}}
              - name: maglev-zero
                trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x, maglev: {tableSize: 0}}}}
              - name: maglev-even
                trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x, maglev: {tableSize: 65536}}}}
              - name: maglev-big
                trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x, maglev: {tableSize: 5000011}}}}
              - name: both-ring-sizes
                trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x, minimumRingSize: 10, ringHash: {minimumRingSize: 10}}}}
              - name: no-key
                trafficPolicy: {loadBalancer: {consistentHash: {ringHash: {minimumRingSize: 10}}}}
              - name: least-conn
                trafficPolicy: {loadBalancer: {simple: LEAST_CONN}}
            """);

        ConfigAssert.HasError(result, 8, "spec.subsets[0].trafficPolicy.loadBalancer.consistentHash.httpCookie.name", "name is required for httpCookie");
        ConfigAssert.HasError(result, 10, "spec.subsets[1].trafficPolicy.loadBalancer.consistentHash.maglev.tableSize", "tableSize must be set for maglev");
        ConfigAssert.HasError(result, 12, "spec.subsets[2].trafficPolicy.loadBalancer.consistentHash.maglev.tableSize", "tableSize 65536 must be a prime number");
        ConfigAssert.HasError(result, 14, "spec.subsets[3].trafficPolicy.loadBalancer.consistentHash.maglev.tableSize", "tableSize must be less than 5000011");
        ConfigAssert.HasError(result, 16, "spec.subsets[4].trafficPolicy.loadBalancer.consistentHash.minimumRingSize", "only one of minimumRingSize or ringHash/maglev");
        Assert.Equal(5, result.Errors.Count());
        ConfigAssert.HasWarning(result, 18, "spec.subsets[5].trafficPolicy.loadBalancer.consistentHash", "has no hash key");
        ConfigAssert.HasWarning(result, 20, "spec.subsets[6].trafficPolicy.loadBalancer.simple", "LEAST_CONN is deprecated");
    }

    [Fact]
    public void Validate_OutlierDetectionRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: od}
            spec:
              host: reviews
              trafficPolicy:
                outlierDetection:
                  consecutiveErrors: 5
                  consecutiveLocalOriginFailures: 3
                  maxEjectionPercent: 101
                  minHealthPercent: -1
                  interval: 500us
                  outlierDetectionHttpErrorCodes: [503, 600]
            """);

        ConfigAssert.HasError(result, 9, "spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures", "splitExternalLocalOriginErrors is false");
        ConfigAssert.HasError(result, 10, "spec.trafficPolicy.outlierDetection.maxEjectionPercent", "percentage 101 is not in range 0..100");
        ConfigAssert.HasError(result, 11, "spec.trafficPolicy.outlierDetection.minHealthPercent", "percentage -1 is not in range 0..100");
        ConfigAssert.HasError(result, 12, "spec.trafficPolicy.outlierDetection.interval", "duration must be at least 1ms");
        ConfigAssert.HasError(result, 13, "spec.trafficPolicy.outlierDetection.outlierDetectionHttpErrorCodes[1]", "HTTP status 600 is not in range 100-599");
        Assert.Equal(5, result.Errors.Count());
        ConfigAssert.HasWarning(result, 8, "spec.trafficPolicy.outlierDetection.consecutiveErrors", "deprecated");
    }

    [Fact]
    public void Validate_ConnectionPoolRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: pool}
            spec:
              host: reviews
              trafficPolicy:
                connectionPool:
                  tcp: {maxConnections: -1, connectTimeout: 0s}
                  http: {http1MaxPendingRequests: -2, maxRetries: -3, h2UpgradePolicy: UPGRADE, useClientProtocol: true, http2KeepAlive: {interval: 10s}}
              subsets:
              - name: v1
                trafficPolicy: {connectionPool: {}}
            """);

        ConfigAssert.HasError(result, 8, "spec.trafficPolicy.connectionPool.tcp.maxConnections", "maxConnections must be non-negative");
        ConfigAssert.HasError(result, 8, "spec.trafficPolicy.connectionPool.tcp.connectTimeout", "duration must be at least 1ms");
        ConfigAssert.HasError(result, 9, "spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests", "must be non-negative");
        ConfigAssert.HasError(result, 9, "spec.trafficPolicy.connectionPool.http.maxRetries", "must be non-negative");
        ConfigAssert.HasError(result, 9, "spec.trafficPolicy.connectionPool.http.useClientProtocol", "must not be true when h2UpgradePolicy is UPGRADE");
        ConfigAssert.HasError(result, 9, "spec.trafficPolicy.connectionPool.http.http2KeepAlive", "requires both interval and timeout");
        ConfigAssert.HasError(result, 12, "spec.subsets[0].trafficPolicy.connectionPool", "connection pool must have at least one of tcp or http");
        Assert.Equal(7, result.Errors.Count());
    }

    [Fact]
    public void Validate_PortLevelSettingsRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ports}
            spec:
              host: reviews
              trafficPolicy:
                portLevelSettings:
                - port: {number: 80}
                  tls: {mode: SIMPLE}
                - port: {number: 80}
                  loadBalancer: {simple: RANDOM}
                - loadBalancer: {simple: RANDOM}
                - port: {number: 443}
            """);

        ConfigAssert.HasError(result, 10, "spec.trafficPolicy.portLevelSettings[1].port.number", "duplicate port 80 in portLevelSettings (also portLevelSettings[0])");
        ConfigAssert.HasError(result, 12, "spec.trafficPolicy.portLevelSettings[2].port", "port is required in portLevelSettings");
        ConfigAssert.HasError(result, 13, "spec.trafficPolicy.portLevelSettings[3]", "port traffic policy must have at least one of");
        Assert.Equal(3, result.Errors.Count());
    }

    [Fact]
    public void Validate_TrafficPolicyShapeTlsTunnelLocality()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: shape}
            spec:
              host: reviews
              trafficPolicy:
                tls: {mode: MUTUAL}
                tunnel: {protocol: GET, targetHost: "not a host", targetPort: 0}
                proxyProtocol: {version: V1}
                loadBalancer:
                  localityLbSetting:
                    distribute:
                    - from: us-west/*
                      to: {"us-west/zone1/*": 60, "us-east/*": 30}
              subsets:
              - name: v1
                trafficPolicy: {}
            """);

        ConfigAssert.HasError(result, 7, "spec.trafficPolicy.tls.clientCertificate", "clientCertificate is required for MUTUAL tls");
        ConfigAssert.HasError(result, 7, "spec.trafficPolicy.tls.privateKey", "privateKey is required for MUTUAL tls");
        ConfigAssert.HasError(result, 8, "spec.trafficPolicy.tunnel.protocol", "tunnel protocol must be \"CONNECT\" or \"POST\"");
        ConfigAssert.HasError(result, 8, "spec.trafficPolicy.tunnel.targetHost", "must be a valid FQDN or IP address");
        ConfigAssert.HasError(result, 8, "spec.trafficPolicy.tunnel.targetPort", "tunnel target port is invalid");
        ConfigAssert.HasError(result, 9, "spec.trafficPolicy.proxyProtocol", "tunnel and proxyProtocol must not be set together");
        ConfigAssert.HasError(result, 14, "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to", "total locality weight 90 != 100");
        ConfigAssert.HasError(result, 17, "spec.subsets[0].trafficPolicy", "traffic policy must have at least one field");
        Assert.Equal(8, result.Errors.Count());
    }

    [Fact]
    public void Validate_MaxConcurrentStreams_IsEnforcedSoNotWarnedAbout_ButANegativeValueIsAnError()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: streams}
            spec:
              host: reviews
              trafficPolicy:
                connectionPool: {http: {maxConcurrentStreams: 100}}
                portLevelSettings:
                - port: {number: 9080}
                  connectionPool: {http: {maxConcurrentStreams: 1}}
              subsets:
              - name: v1
                trafficPolicy: {connectionPool: {http: {maxConcurrentStreams: -1}}}
            """);

        ConfigAssert.HasError(result, 13, "spec.subsets[0].trafficPolicy.connectionPool.http.maxConcurrentStreams", "maxConcurrentStreams must be non-negative");
        Assert.Single(result.Errors);
        ConfigAssert.NoWarningContaining(result, "maxConcurrentStreams");
    }

    [Fact]
    public void Validate_Http2KeepAlive_IsEnforcedSoNotWarnedAbout_ButNeedsBothFields()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: keepalive}
            spec:
              host: reviews
              trafficPolicy:
                connectionPool: {http: {http2KeepAlive: {interval: 30s, timeout: 5s}}}
                portLevelSettings:
                - port: {number: 9080}
                  connectionPool: {http: {http2KeepAlive: {timeout: 5s}}}
              subsets:
              - name: v1
                trafficPolicy: {connectionPool: {http: {http2KeepAlive: {interval: 0s, timeout: 1s}}}}
            """);

        ConfigAssert.HasError(result, 10, "spec.trafficPolicy.portLevelSettings[0].connectionPool.http.http2KeepAlive", "requires both interval and timeout");
        ConfigAssert.HasError(result, 13, "spec.subsets[0].trafficPolicy.connectionPool.http.http2KeepAlive.interval", "duration must be at least 1ms");
        Assert.Equal(2, result.Errors.Count());
        ConfigAssert.NoWarningContaining(result, "http2KeepAlive");
    }

    [Fact]
    public void Validate_WorkloadSelectorExportToAndSelectorRules()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: selected, namespace: prod}
            spec:
              host: reviews
              exportTo: ["*"]
              workloadSelector: {matchLabels: {app: "*"}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: empty-selector, namespace: prod}
            spec:
              host: ratings
              exportTo: ["."]
              workloadSelector: {matchLabels: {}}
            """);

        ConfigAssert.HasError(result, 6, "spec.exportTo", "can only be exported to its own namespace");
        ConfigAssert.HasError(result, 7, "spec.workloadSelector.matchLabels.app", "wildcard is not supported in a selector");
        Assert.Equal(2, result.Errors.Count());
        ConfigAssert.HasWarning(result, 15, "spec.workloadSelector", "workload selector without labels");
    }

    [Fact]
    public void Validate_FieldsThisSidecarDoesNotEnforce_AreWarnedAboutWithTheirLines()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: unenforced}
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer:
                  simple: ROUND_ROBIN
                  localityLbSetting: {enabled: true, failover: [{from: us-east, to: us-west}]}
                  warmup: {duration: 30s}
                connectionPool:
                  http: {maxConcurrentStreams: 100}
                retryBudget: {percent: 20, budgetInterval: 10s}
                proxyProtocol: {version: V1}
                portLevelSettings:
                - port: {number: 9080}
                  loadBalancer: {simple: RANDOM, warmupDurationSecs: 10s}
            """);

        Assert.Empty(result.Errors);
        ConfigAssert.NoWarningContaining(result, "locality load balancing");
        ConfigAssert.NoWarningContaining(result, "slow start (warmup) is not"); // enforced: Envoy's slow start
        ConfigAssert.NoWarningContaining(result, "maxConcurrentStreams"); // enforced on HTTP/2 upstream connections
        ConfigAssert.HasWarning(result, 13, "spec.trafficPolicy.retryBudget.budgetInterval", "budgetInterval is not enforced"); // the budget itself is
        ConfigAssert.HasWarning(result, 14, "spec.trafficPolicy.proxyProtocol", "proxyProtocol is sent on TCP and TLS routes only");
        ConfigAssert.HasWarning(result, 17, "spec.trafficPolicy.portLevelSettings[0].loadBalancer.warmupDurationSecs", "applies to ROUND_ROBIN and LEAST_REQUEST only"); // RANDOM here
    }
}

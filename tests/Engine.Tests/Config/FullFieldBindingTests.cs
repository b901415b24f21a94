using Engine.Config.Model;

namespace Engine.Tests.Config;

/// <summary>Every field of every message, written once, binds to the model (and valid config raises no error).</summary>
public sealed class FullFieldBindingTests
{
    [Fact]
    public void Load_VirtualServiceWithEveryField_BindsAll()
    {
        var result = ConfigAssert.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: everything, namespace: prod}
            spec:
              hosts: [reviews, reviews.example.com]
              gateways: [mesh, istio-system/ingress]
              exportTo: [".", "other"]
              http:
              - name: main
                match:
                - name: m1
                  uri: {prefix: /api}
                  scheme: {exact: https}
                  method: {exact: GET}
                  authority: {prefix: reviews}
                  headers: {end-user: {exact: jason}, x-trace: {}}
                  port: 9080
                  sourceLabels: {app: productpage}
                  gateways: [mesh]
                  queryParams: {debug: {exact: "1"}}
                  ignoreUriCase: true
                  withoutHeaders: {x-canary: {regex: "*"}}
                  sourceNamespace: bookinfo
                  statPrefix: api
                route:
                - destination: {host: reviews, subset: v2, port: {number: 9080}}
                  weight: 90
                  headers:
                    request: {set: {x-dest: v2}, add: {x-add: "1"}, remove: [x-old]}
                    response: {set: {x-from: v2}, add: {x-resp: a}, remove: [server]}
                - destination: {host: reviews, subset: v3}
                  weight: 10
                rewrite:
                  uriRegexRewrite: {match: "^/api/(.*)$", rewrite: "/\\1"}
                timeout: 10s
                retries:
                  attempts: 3
                  perTryTimeout: 2s
                  retryOn: "5xx,reset,503"
                  retryRemoteLocalities: true
                  retryIgnorePreviousHosts: false
                  backoff: 50ms
                fault:
                  delay: {fixedDelay: 5s, percentage: {value: 10}}
                  abort: {grpcStatus: UNAVAILABLE, percentage: {value: 1}}
                mirrors:
                - destination: {host: reviews, subset: shadow}
                  percentage: {value: 5}
                corsPolicy:
                  allowOrigins: [{exact: "https://a.example"}, {regex: "https://.*\\.example"}]
                  allowMethods: [GET, POST]
                  allowHeaders: [x-a]
                  exposeHeaders: [x-b]
                  maxAge: 1h
                  allowCredentials: true
                  unmatchedPreflights: IGNORE
                headers:
                  request: {set: {x-route: main}}
              - name: redirect
                match: [{uri: {exact: /old}}]
                redirect: {uri: /new, authority: new.example.com, derivePort: FROM_REQUEST_PORT, scheme: https, redirectCode: 308}
              - name: direct
                match: [{uri: {exact: /health}}]
                directResponse: {status: 200, body: {string: ok}}
                headers: {response: {set: {content-type: text/plain}}}
              - name: rest
                route: [{destination: {host: reviews}}]
                mirror: {host: reviews, subset: shadow}
                mirrorPercentage: {value: 0.5}
                rewrite: {uri: /v2, authority: reviews.internal}
              tls:
              - match:
                - sniHosts: [reviews.example.com]
                  destinationSubnets: [10.0.0.0/8]
                  port: 443
                  sourceLabels: {app: a}
                  gateways: [mesh]
                  sourceNamespace: bookinfo
                route: [{destination: {host: reviews.example.com, port: {number: 443}}, weight: 1}]
              tcp:
              - match:
                - destinationSubnets: [192.168.0.0/16, 10.1.2.3]
                  port: 3306
                  sourceSubnet: 10.0.0.0/8
                  sourceLabels: {app: a}
                  gateways: [mesh]
                  sourceNamespace: bookinfo
                route:
                - {destination: {host: mysql, port: {number: 3306}}, weight: 70}
                - {destination: {host: mysql-backup}, weight: 30}
            """);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var vs = result.Snapshot!.VirtualServices[0].Spec;
        Assert.Equal(new[] { "mesh", "istio-system/ingress" }, vs.Gateways);
        Assert.True(vs.AppliesToMesh);
        Assert.Equal(new[] { ".", "other" }, vs.ExportTo);

        var main = vs.Http[0];
        var m = main.Match[0];
        Assert.Equal(("main", "m1", "api", "bookinfo"), (main.Name, m.Name, m.StatPrefix, m.SourceNamespace));
        Assert.Equal(("/api", "https", "GET", "reviews"), (m.Uri!.Value, m.Scheme!.Value, m.Method!.Value, m.Authority!.Value));
        Assert.Equal((9080u, true), (m.Port, m.IgnoreUriCase));
        Assert.Equal("productpage", m.SourceLabels["app"]);
        Assert.Equal(new[] { "mesh" }, m.Gateways);
        Assert.Equal("1", m.QueryParams["debug"].Value);
        Assert.True(m.WithoutHeaders["x-canary"].IsPresenceMatch);
        Assert.True(m.Headers["x-trace"].IsPresenceMatch);

        var d = main.Route[0];
        Assert.Equal(("reviews", "v2", 9080u, 90), (d.Destination!.Host, d.Destination.Subset, d.Destination.Port!.Number, d.Weight));
        Assert.Equal(("v2", "1", "x-old"), (d.Headers!.Request!.Set["x-dest"], d.Headers.Request.Add["x-add"], d.Headers.Request.Remove[0]));
        Assert.Equal(("v2", "a", "server"), (d.Headers.Response!.Set["x-from"], d.Headers.Response.Add["x-resp"], d.Headers.Response.Remove[0]));
        Assert.Equal(("^/api/(.*)$", "/\\1"), (main.Rewrite!.UriRegexRewrite!.Match, main.Rewrite.UriRegexRewrite.Rewrite));
        Assert.Equal(TimeSpan.FromSeconds(10), main.Timeout);
        var retries = main.Retries!;
        Assert.Equal((3, "5xx,reset,503", true, false), (retries.Attempts, retries.RetryOn, retries.RetryRemoteLocalities, retries.RetryIgnorePreviousHosts));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(50)), (retries.PerTryTimeout, retries.Backoff));
        Assert.Equal((TimeSpan.FromSeconds(5), 10.0), (main.Fault!.Delay!.FixedDelay, main.Fault.Delay.Percentage));
        Assert.Equal(("UNAVAILABLE", 1.0), (main.Fault.Abort!.GrpcStatus, main.Fault.Abort.Percentage));
        Assert.Equal(("shadow", 5.0), (main.Mirrors[0].Destination!.Subset, main.Mirrors[0].Percentage));
        var cors = main.CorsPolicy!;
        Assert.Equal(StringMatchKind.Regex, cors.AllowOrigins[1].Kind);
        Assert.Equal((TimeSpan.FromHours(1), true, UnmatchedPreflights.Ignore), (cors.MaxAge, cors.AllowCredentials, cors.UnmatchedPreflights));
        Assert.Equal(("x-a", "x-b"), (cors.AllowHeaders[0], cors.ExposeHeaders[0]));
        Assert.Equal("main", main.Headers!.Request!.Set["x-route"]);

        var redirect = vs.Http[1].Redirect!;
        Assert.Equal(("/new", "new.example.com", "https", 308u), (redirect.Uri, redirect.Authority, redirect.Scheme, redirect.RedirectCode));
        Assert.Equal(RedirectPortSelection.FromRequestPort, redirect.DerivePort);
        Assert.Null(redirect.Port);
        Assert.Equal((200u, "ok"), (vs.Http[2].DirectResponse!.Status, vs.Http[2].DirectResponse!.Body!.String));
        Assert.Equal(("shadow", 0.5), (vs.Http[3].Mirror!.Subset, vs.Http[3].MirrorPercentage));
        Assert.Equal(("/v2", "reviews.internal"), (vs.Http[3].Rewrite!.Uri, vs.Http[3].Rewrite!.Authority));

        var tls = vs.Tls[0];
        Assert.Equal(("reviews.example.com", "10.0.0.0/8", 443u), (tls.Match[0].SniHosts[0], tls.Match[0].DestinationSubnets[0], tls.Match[0].Port));
        Assert.Equal(("a", "bookinfo"), (tls.Match[0].SourceLabels["app"], tls.Match[0].SourceNamespace));
        var tcp = vs.Tcp[0];
        Assert.Equal(("10.1.2.3", 3306u, "10.0.0.0/8"), (tcp.Match[0].DestinationSubnets[1], tcp.Match[0].Port, tcp.Match[0].SourceSubnet));
        Assert.Equal(new[] { 70, 30 }, tcp.Route.Select(r => r.Weight));
    }

    [Fact]
    public void Load_DestinationRuleWithEveryField_BindsAll()
    {
        // caCertificates and caCrl must name loadable PEM files (the validator loads them): throwaway ones.
        var directory = Directory.CreateTempSubdirectory("engine-binding-").FullName;
        var caPath = Path.Combine(directory, "ca.pem");
        var crlPath = Path.Combine(directory, "ca.crl.pem");
        using (var key = System.Security.Cryptography.ECDsa.Create())
        using (var ca = CaRequest(key).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)))
        {
            File.WriteAllText(caPath, ca.ExportCertificatePem());
            var crl = new System.Security.Cryptography.X509Certificates.CertificateRevocationListBuilder().Build(ca, 1, DateTimeOffset.UtcNow.AddDays(1), System.Security.Cryptography.HashAlgorithmName.SHA256);
            File.WriteAllText(crlPath, System.Security.Cryptography.PemEncoding.WriteString("X509 CRL", crl));
        }

        var result = ConfigAssert.Load(("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: everything, namespace: prod}
            spec:
              host: reviews.prod.svc.cluster.local
              exportTo: ["."]
              workloadSelector: {matchLabels: {app: productpage}}
              trafficPolicy:
                loadBalancer:
                  consistentHash:
                    httpCookie: {name: session, path: /, ttl: 0s, attributes: [{name: SameSite, value: Strict}]}
                    maglev: {tableSize: 65537}
                  localityLbSetting:
                    failover: [{from: us-east, to: eu-west}]
                    failoverPriority: [topology.istio.io/network]
                    enabled: true
                  warmup: {duration: 30s, minimumPercent: 20, aggression: 1.5}
                connectionPool:
                  tcp:
                    maxConnections: 100
                    connectTimeout: 30ms
                    tcpKeepalive: {probes: 3, time: 7200s, interval: 75s}
                    maxConnectionDuration: 1h
                    idleTimeout: 0s
                  http:
                    http1MaxPendingRequests: 10
                    http2MaxRequests: 1000
                    maxRequestsPerConnection: 10
                    maxRetries: 3
                    idleTimeout: 1h
                    h2UpgradePolicy: UPGRADE
                    useClientProtocol: false
                    maxConcurrentStreams: 100
                    http2KeepAlive: {interval: 30s, timeout: 5s}
                outlierDetection:
                  splitExternalLocalOriginErrors: true
                  consecutiveLocalOriginFailures: 4
                  consecutiveGatewayErrors: 3
                  consecutive5xxErrors: 7
                  interval: 5m
                  baseEjectionTime: 15m
                  maxEjectionPercent: 50
                  minHealthPercent: 10
                  outlierDetectionHttpErrorCodes: [500, 503]
                tls:
                  mode: SIMPLE
                  caCertificates: CA_PATH
                  subjectAltNames: [reviews.example.com]
                  sni: reviews.example.com
                  insecureSkipVerify: false
                  caCrl: CRL_PATH
                portLevelSettings:
                - port: {number: 9080}
                  loadBalancer: {simple: LEAST_REQUEST}
                  connectionPool: {tcp: {maxConnections: 5}}
                  outlierDetection: {consecutive5xxErrors: 2}
                  tls: {mode: ISTIO_MUTUAL}
                tunnel: {protocol: CONNECT, targetHost: proxy.example.com, targetPort: 8443}
                retryBudget: {percent: 25, minRetryConcurrency: 5, budgetInterval: 10s}
              subsets:
              - name: v1
                labels: {version: v1}
                trafficPolicy:
                  loadBalancer:
                    simple: ROUND_ROBIN
                    localityLbSetting:
                      distribute: [{from: us-west/zone1/*, to: {"us-west/zone1/*": 80, "us-west/zone2/*": 20}}]
                    warmupDurationSecs: 60s
                  proxyProtocol: {version: V2}
              - name: v2
                labels: {version: v2}
                trafficPolicy:
                  loadBalancer:
                    consistentHash: {useSourceIp: true, ringHash: {minimumRingSize: 2048}}
              - name: v3
                trafficPolicy:
                  loadBalancer:
                    consistentHash: {httpQueryParameterName: user, minimumRingSize: 1024}
            """).Replace("CA_PATH", caPath, StringComparison.Ordinal).Replace("CRL_PATH", crlPath, StringComparison.Ordinal));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var dr = result.Snapshot!.DestinationRules[0].Spec;
        Assert.Equal("productpage", dr.WorkloadSelector!.Labels["app"]);
        var p = dr.TrafficPolicy!;
        var cookie = p.LoadBalancer!.ConsistentHash!.HttpCookie!;
        Assert.Equal(("session", "/", TimeSpan.Zero, "SameSite", "Strict"), (cookie.Name, cookie.Path, cookie.Ttl, cookie.Attributes[0].Name, cookie.Attributes[0].Value));
        Assert.Equal(65537ul, p.LoadBalancer.ConsistentHash.Maglev!.TableSize);
        var locality = p.LoadBalancer.LocalityLbSetting!;
        Assert.Equal(("us-east", "eu-west", "topology.istio.io/network", true), (locality.Failover[0].From, locality.Failover[0].To, locality.FailoverPriority[0], locality.Enabled));
        Assert.Equal((TimeSpan.FromSeconds(30), 20.0, 1.5), (p.LoadBalancer.Warmup!.Duration, p.LoadBalancer.Warmup.MinimumPercent, p.LoadBalancer.Warmup.Aggression));
        var tcp = p.ConnectionPool!.Tcp!;
        Assert.Equal((100, TimeSpan.FromMilliseconds(30), TimeSpan.FromHours(1), TimeSpan.Zero), (tcp.MaxConnections, tcp.ConnectTimeout, tcp.MaxConnectionDuration, tcp.IdleTimeout));
        Assert.Equal((3u, TimeSpan.FromSeconds(7200), TimeSpan.FromSeconds(75)), (tcp.TcpKeepalive!.Probes, tcp.TcpKeepalive.Time, tcp.TcpKeepalive.Interval));
        var http = p.ConnectionPool.Http!;
        Assert.Equal((10, 1000, 10, 3, 100), (http.Http1MaxPendingRequests, http.Http2MaxRequests, http.MaxRequestsPerConnection, http.MaxRetries, http.MaxConcurrentStreams));
        Assert.Equal((H2UpgradePolicy.Upgrade, false, TimeSpan.FromHours(1)), (http.H2UpgradePolicy, http.UseClientProtocol, http.IdleTimeout));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)), (http.Http2KeepAlive!.Interval, http.Http2KeepAlive.Timeout));
        var od = p.OutlierDetection!;
        Assert.Equal((true, 4u, 3u, 7u), (od.SplitExternalLocalOriginErrors, od.ConsecutiveLocalOriginFailures, od.ConsecutiveGatewayErrors, od.Consecutive5xxErrors));
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), 50, 10), (od.Interval, od.BaseEjectionTime, od.MaxEjectionPercent, od.MinHealthPercent));
        Assert.Equal(new[] { 500u, 503u }, od.OutlierDetectionHttpErrorCodes);
        var tls = p.Tls!;
        Directory.Delete(directory, recursive: true);
        Assert.Equal((TlsMode.Simple, caPath, "reviews.example.com", "reviews.example.com", false, crlPath), (tls.Mode, tls.CaCertificates, tls.SubjectAltNames[0], tls.Sni, tls.InsecureSkipVerify, tls.CaCrl));
        var port = p.PortLevelSettings[0];
        Assert.Equal((9080u, SimpleLb.LeastRequest, 5, 2u, TlsMode.IstioMutual), (port.Port!.Number, port.LoadBalancer!.Simple, port.ConnectionPool!.Tcp!.MaxConnections, port.OutlierDetection!.Consecutive5xxErrors, port.Tls!.Mode));
        Assert.Equal(("CONNECT", "proxy.example.com", 8443u), (p.Tunnel!.Protocol, p.Tunnel.TargetHost, p.Tunnel.TargetPort));
        Assert.Equal((25.0, 5u, TimeSpan.FromSeconds(10)), (p.RetryBudget!.Percent, p.RetryBudget.MinRetryConcurrency, p.RetryBudget.BudgetInterval));

        var v1 = dr.Subsets[0].TrafficPolicy!;
        Assert.Equal(SimpleLb.RoundRobin, v1.LoadBalancer!.Simple);
        Assert.Equal(80u, v1.LoadBalancer.LocalityLbSetting!.Distribute[0].To["us-west/zone1/*"]);
        Assert.Equal(TimeSpan.FromSeconds(60), v1.LoadBalancer.WarmupDurationSecs);
        Assert.Equal(ProxyProtocolVersion.V2, v1.ProxyProtocol!.Version);
        var v2 = dr.Subsets[1].TrafficPolicy!.LoadBalancer!.ConsistentHash!;
        Assert.Equal((true, 2048ul), (v2.UseSourceIp, v2.RingHash!.MinimumRingSize));
        var v3 = dr.Subsets[2].TrafficPolicy!.LoadBalancer!.ConsistentHash!;
        Assert.Equal(("user", 1024ul), (v3.HttpQueryParameterName, v3.MinimumRingSize));

        // Deprecated fields are warnings, not errors.
        Assert.Contains(result.Warnings, w => w.Path == "spec.subsets[0].trafficPolicy.loadBalancer.warmupDurationSecs");
        Assert.Contains(result.Warnings, w => w.Path == "spec.subsets[2].trafficPolicy.loadBalancer.consistentHash.minimumRingSize");
    }

    [Fact]
    public void Load_ServiceEntryAndWorkloadEntryWithEveryField_BindsAll()
    {
        const string Yaml = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: everything}
            spec:
              hosts: [api.example.com]
              addresses: [240.0.0.1]
              ports:
              - {number: 80, protocol: HTTP, name: http, targetPort: 8080}
              - {number: 443, protocol: TLS, name: tls}
              location: MESH_INTERNAL
              resolution: STATIC
              endpoints:
              - address: 10.0.0.5
                ports: {http: 9080}
                labels: {version: v1}
                network: net1
                locality: us-east/zone1/sub1
                weight: 3
                serviceAccount: api
              - address: unix:///var/run/api.sock
              exportTo: ["*"]
              subjectAltNames: [spiffe://cluster.local/ns/default/sa/api]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: unix}
            spec:
              hosts: [local.example.com]
              ports: [{number: 80, protocol: HTTP, name: http}]
              resolution: STATIC
              endpoints: [{address: unix:///var/run/app.sock}]
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm}
            spec:
              address: vm1.example.com
              ports: {http: 8080}
              labels: {app: api}
              network: net2
              locality: eu-west/zone2
              weight: 10
              serviceAccount: vm-sa
            """;
        var result = ConfigAssert.Load(Yaml);

        // The first entry has a unix endpoint with two service ports: Istio requires exactly one.
        var error = ConfigAssert.SingleError(result);
        Assert.Equal((20, "spec.endpoints[1].address"), (error.Line, error.Path));

        var fixedResult = ConfigAssert.LoadValid(string.Join("\n", Yaml.Split('\n').Where((_, i) => i != 19)));
        var se = fixedResult.ServiceEntries[0].Spec;
        Assert.Equal(("240.0.0.1", ServiceEntryLocation.MeshInternal, ServiceEntryResolution.Static), (se.Addresses[0], se.Location, se.Resolution));
        Assert.Equal((80u, "HTTP", "http", 8080u), (se.Ports[0].Number, se.Ports[0].Protocol, se.Ports[0].Name, se.Ports[0].TargetPort));
        var ep = se.Endpoints[0];
        Assert.Equal(("10.0.0.5", 9080u, "v1", "net1", "us-east/zone1/sub1", 3u, "api"), (ep.Address, ep.Ports["http"], ep.Labels["version"], ep.Network, ep.Locality, ep.Weight, ep.ServiceAccount));
        Assert.Equal(("*", "spiffe://cluster.local/ns/default/sa/api"), (se.ExportTo[0], se.SubjectAltNames[0]));
        var we = fixedResult.WorkloadEntries[0].Spec;
        Assert.Equal(("vm1.example.com", 8080u, "api", "net2", "eu-west/zone2", 10u, "vm-sa"), (we.Address, we.Ports["http"], we.Labels["app"], we.Network, we.Locality, we.Weight, we.ServiceAccount));
    }

    private static System.Security.Cryptography.X509Certificates.CertificateRequest CaRequest(System.Security.Cryptography.ECDsa key)
    {
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        return request;
    }
}

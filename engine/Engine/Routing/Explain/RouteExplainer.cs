using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Proxy;
using Engine.Routing.Actions;
using Engine.Upstream;
using Engine.Upstream.LoadBalancing;

namespace Engine.Routing.Explain;

/// <summary>
/// <c>engine explain</c>: which VirtualService and rule a request matches (or why none does), the
/// request as it would leave, the destination cluster, subset and endpoints it could go to, and
/// the timeout, retry, fault and mirror policy that would apply — without sending traffic.
/// </summary>
internal static class RouteExplainer
{
    public static (bool Routed, IReadOnlyList<string> Lines) Explain(RuntimeConfig config, HttpRequestHead request, int port)
    {
        var lines = new List<string>();
        void Say(string line) => lines.Add(line);

        Say($"request   {Text(request.Span(request.MethodBytes))} http://{Text(request.Span(request.Authority))}{Text(request.Span(request.Path))}  (port {port})");
        foreach (var header in request.Headers.ToArray())
        {
            if (header.Known != KnownHeader.Host)
            {
                Say($"          {Text(request.Span(header.Name))}: {Text(request.Span(header.Value))}");
            }
        }

        var original = Text(request.Span(request.Path));
        if (!PathNormalizer.TryNormalize(request))
        {
            Say("path      cannot be normalised (e.g. %00): the sidecar answers 400");
            return (false, lines);
        }

        if (Text(request.Span(request.Path)) != original)
        {
            Say($"path      normalised to {Text(request.Span(request.Path))} (Istio's default BASE normalisation)");
        }

        var host = Text(HostName.HostOf(request.Span(request.Authority), out _));
        var vhost = config.Routes.FindVirtualHost(Encoding.UTF8.GetBytes(host));
        if (vhost is null)
        {
            Say($"host      '{host}' is not routed: no VirtualService host and no ServiceEntry host (or alias) is '{host}'");
            Say("result    404 (NR)");
            return (false, lines);
        }

        Say(vhost.FromVirtualService
            ? $"host      '{host}' → VirtualService {vhost.Name}"
            : $"host      '{host}' → service {vhost.Name}, which has no VirtualService: Istio's default route");

        // match.port is decided per port when the table is built (istio-semantics.md §3.1).
        var forPort = vhost.ForPort(port);
        if (forPort is null)
        {
            Say($"port      {port}: no rule of {vhost.Name} is for this port (match.port is a config-time filter), and no service has the name: not routed");
            Say("result    404 (NR)");
            return (false, lines);
        }

        if (!ReferenceEquals(forPort, vhost))
        {
            Say(forPort.FromVirtualService
                ? $"port      {port}: the rules of {vhost.Name} for this port (match.port is a config-time filter)"
                : $"port      {port}: no rule of {vhost.Name} is for this port (match.port is a config-time filter), so service {forPort.Name} keeps Istio's default route");
            vhost = forPort;
        }

        var view = new RequestView(request, port, RouteScratch.ForThisThread);
        RouteRule? matched = null;
        var matchIndex = -1;
        foreach (var rule in vhost.Rules)
        {
            if (rule.Matches.Length == 0)
            {
                Say($"rule {rule.Index,-4} {rule.Name}: no match conditions → matches");
                matched = rule;
                matchIndex = 0;
                break;
            }

            for (var m = 0; m < rule.Matches.Length && matched is null; m++)
            {
                var condition = rule.Matches[m];
                var why = condition.Mismatch(view);
                Say(why is null
                    ? $"rule {rule.Index,-4} {rule.Name}: match[{m}] {condition} → matches"
                    : $"rule {rule.Index,-4} {rule.Name}: match[{m}] {condition} → no: {why}");
                if (why is null)
                {
                    matched = rule;
                    matchIndex = m;
                }
            }

            if (matched is not null)
            {
                break;
            }
        }

        if (matched is null)
        {
            Say("result    no rule matched: 404 (NR) — once a VirtualService routes a host, unmatched requests do not fall back to the service");
            return (false, lines);
        }

        ExplainAction(matched, matchIndex, request, port, Say);
        return (true, lines);
    }

    private static void ExplainAction(RouteRule rule, int matchIndex, HttpRequestHead request, int port, Action<string> say)
    {
        var action = rule.Action;
        var matchedUri = rule.Matches.Length == 0 ? null : rule.Matches[matchIndex].Uri;
        if (action.Redirect is { } redirect)
        {
            say($"result    redirect {redirect.Status} location: {redirect.Location(request, matchedUri, port)}");
            return;
        }

        if (action.DirectResponse is { } direct)
        {
            say($"result    direct response {direct.Status} with a {direct.Body.Length}-byte body");
            Edits("response", action.ResponseEdits, say);
            return;
        }

        if (action.Cors is { } cors)
        {
            say($"cors      {cors.Describe()}");
        }

        if (action.Destinations.Length == 0)
        {
            say("result    no destination: 503");
            return;
        }

        action.PathRewrite?.Apply(request, matchedUri);
        if (action.AuthorityRewrite is { } authority)
        {
            request.Authority = request.Append(authority);
        }

        action.RequestEdits.Apply(request);
        say($"upstream  {Text(request.Span(request.MethodBytes))} {Text(request.Span(request.Path))}  host: {Text(request.Span(request.Authority))}");
        Edits("request", action.RequestEdits, say);
        Edits("response", action.ResponseEdits, say);

        foreach (var destination in action.Destinations)
        {
            var share = action.Destinations.Length == 1 ? "100%" : $"{100.0 * destination.Weight / action.TotalWeight:0.#}%";
            var cluster = destination.Resolve(port);
            if (cluster is null)
            {
                say($"route     {share} → {destination.Host} subset {destination.Subset ?? "-"}: no such cluster (unknown subset or port) → 503 (NC)");
                continue;
            }

            say($"route     {share} → {cluster.Name}  load balancing {BalancerName(cluster)}");
            if (destination.AuthorityRewrite is { } destinationAuthority && action.AuthorityRewrite is null)
            {
                say($"          host rewritten to {Text(destinationAuthority)} for this destination");
            }

            Edits("request", destination.RequestEdits, say, "          destination ");
            Edits("response", destination.ResponseEdits, say, "          destination ");
            if (cluster.Dynamic is not null)
            {
                say("          DYNAMIC_DNS: the endpoint is the request's own host, resolved when first asked for and refreshed in the background (503 DF when it does not resolve)");
            }
            else if (cluster.Endpoints.Length == 0)
            {
                say("          no endpoints: 503 no healthy upstream (UH)");
            }

            foreach (var endpoint in cluster.ShownEndpoints)
            {
                say($"          endpoint {endpoint.Address}  {string.Join(",", endpoint.Labels.Select(l => $"{l.Key}={l.Value}"))}  active requests {endpoint.ActiveRequests}");
            }
        }

        say($"timeout   {(action.Timeout is { } t ? $"{t.TotalMilliseconds} ms (504 UT after it)" : "none (Istio's default)")}");
        say($"retries   {action.Retry.Describe()}{(ReferenceEquals(action.Retry, Policies.RetryPolicy.IstioDefault) ? " (Istio's default policy)" : string.Empty)}");
        say($"fault     {action.Fault?.Describe() ?? "none"}");
        say($"mirror    {(action.Mirrors.Length == 0 ? "none" : string.Join("; ", action.Mirrors.Select(m => m.Describe())))}");
    }

    private static void Edits(string side, HeaderEdits edits, Action<string> say, string prefix = "headers   ")
    {
        foreach (var edit in edits.Describe())
        {
            say($"{prefix}{side} {edit}");
        }
    }

    private static string BalancerName(Cluster cluster) => cluster.Balancer switch
    {
        RoundRobinBalancer => "ROUND_ROBIN",
        RandomBalancer => "RANDOM",
        ConsistentHashBalancer => cluster.Hashing is { } hashing
            ? $"consistent hash on {hashing} (no key: a random endpoint; retries stay on the key's endpoint unless retryIgnorePreviousHosts is set)"
            : "consistent hash without a key (a random endpoint)",
        _ => "LEAST_REQUEST",
    };

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}

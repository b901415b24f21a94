using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Engine.Upstream;
using Engine.Upstream.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Interception;

/// <summary>
/// Istio mTLS from a peer sidecar, ended at the inbound as Envoy's PERMISSIVE inbound does: a
/// connection whose ClientHello offers Istio's ALPN gets the workload certificate, must present one
/// of the mesh (chained to <c>root-cert.pem</c>), and its plaintext goes to the application at L4
/// from 127.0.0.6 like any inbound connection; everything else passes through untouched. Both
/// directions half-close as in <see cref="TcpProxy"/>: the application's FIN goes to the peer as
/// close_notify and FIN, the peer's close_notify or FIN to the application as a FIN.
/// </summary>
internal sealed class InboundMutualTls(TransparentOptions options, TimeProvider time, ILogger logger, CancellationToken stopping)
{
    private static readonly List<SslApplicationProtocol> Protocols = [new("istio"), new("istio-http/1.1"), new("istio-h2"), new("istio-http/1.0")];

    public async Task RunAsync(ConnectionContext connection, Socket client, string listener, InterceptedAddresses addresses, TcpDecision decision, IPAddress source, WorkloadCertificates workload)
    {
        var started = Stopwatch.GetTimestamp();
        var ssl = new SslStream(new DownstreamTlsStream(connection.Transport.Input, client), leaveInnerStreamOpen: false);
        try
        {
            if (await HandshakeAsync(ssl, workload).ConfigureAwait(false) is { } failure)
            {
                InterceptionLog.TcpRejected(logger, listener, "mtls", addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, decision.Route,
                    $"mTLS handshake failed: {failure}", "DPE");
                return;
            }

            var target = decision.Upstream!;
            var (outcome, app) = await UpstreamConnector.ConnectSocketAsync(target, decision.ConnectTimeout, decision.Keepalive, stopping, source).ConfigureAwait(false);
            if (app is null)
            {
                InterceptionLog.TcpConnectFailed(logger, listener, "mtls", addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, target.ToString(), decision.Route,
                    outcome, $" from {source}");
                return;
            }

            // The pump's "client" is the application and its "upstream" the peer's TLS session.
            var appInput = PipeReader.Create(new NetworkStream(app, ownsSocket: false));
            var result = await TcpProxy.RunAsync(appInput, app, L4Upstream.Over(client, ssl), options.TcpIdleTimeout, time, stopping).ConfigureAwait(false);
            await appInput.CompleteAsync().ConfigureAwait(false);
            if (result.End == TcpProxyEnd.UpstreamReset)
            {
                app.LingerState = new LingerOption(true, 0); // the peer reset: so does the application's side
            }
            else if (result.End == TcpProxyEnd.ClientReset)
            {
                connection.Abort(new ConnectionAbortedException("application reset"));
            }

            app.Dispose();
            var end = result.End switch
            {
                TcpProxyEnd.UpstreamReset => TcpProxyEnd.ClientReset,
                TcpProxyEnd.ClientReset => TcpProxyEnd.UpstreamReset,
                var same => same,
            };
            InterceptionLog.TcpCompleted(logger, listener, "mtls", addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, target.ToString(), decision.Route,
                end, result.BytesToClient, result.BytesFromClient, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The server side of the handshake; null when it succeeded, else why not.</summary>
    private async Task<string?> HandshakeAsync(SslStream ssl, WorkloadCertificates workload)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(workload.Roots!);
        string? refused = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(options.ConnectTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = workload.Client,
                ClientCertificateRequired = true,
                CertificateChainPolicy = policy,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = Protocols,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    refused = certificate is null ? "the peer sent no certificate" : errors == SslPolicyErrors.None ? null : $"the peer's certificate is not of this mesh ({errors})";
                    return refused is null;
                },
            }, deadline.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException or SocketException)
        {
            return refused ?? (e is OperationCanceledException ? "timed out" : e.Message);
        }
    }
}

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Engine.Tests.Interception;

/// <summary>
/// A loopback TLS echo server for TLS origination on TCP routes: it completes the handshake with
/// its certificate (asking for a client certificate when told to, any accepted), notes the SNI, ALPN
/// and client certificate of the last connection, then echoes and answers the client's
/// close_notify and FIN with its own.
/// </summary>
internal sealed class TlsEchoServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2 _certificate;
    private readonly bool _requireClientCertificate;
    private readonly string[]? _alpn;
    private readonly Task _accepting;

    public TlsEchoServer(X509Certificate2 certificate, bool requireClientCertificate = false, string[]? alpn = null)
    {
        _certificate = certificate;
        _requireClientCertificate = requireClientCertificate;
        _alpn = alpn;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public string? Sni { get; private set; }

    public string? Alpn { get; private set; }

    public string? ClientSubject { get; private set; }

    /// <summary>Connections whose handshake completed.</summary>
    public int Handshakes { get; private set; }

    /// <summary>A CA and a server certificate it issued for <paramref name="names"/> (DNS names, or URIs for SPIFFE IDs).</summary>
    public static (X509Certificate2 Ca, X509Certificate2 Server) IssueServer(string caName, params string[] names)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=" + caName, caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7));
        return (ca, Issue(ca, caKey, "CN=" + names[0], names, serverAuth: true));
    }

    /// <summary>A certificate <paramref name="ca"/> issues (the CA's key given), with its own key usable by the TLS stack.</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, string subject, string[] names, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (name.Contains("://", StringComparison.Ordinal))
            {
                san.AddUri(new Uri(name));
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync(_stop.Token);
                _ = EchoAsync(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task EchoAsync(Socket socket)
    {
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                ClientCertificateRequired = _requireClientCertificate,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ApplicationProtocols = _alpn?.Select(p => new SslApplicationProtocol(p)).ToList(),
            }, _stop.Token);
            Sni = ssl.TargetHostName;
            Alpn = ssl.NegotiatedApplicationProtocol.ToString();
            ClientSubject = ssl.RemoteCertificate?.Subject;
            Handshakes++;
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await ssl.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    await ssl.ShutdownAsync();
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }

                await ssl.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away, or refused our certificate.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        _stop.Dispose();
    }
}

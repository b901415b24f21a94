using System.Net.Security;

namespace Engine.Tests.Interception;

/// <summary>Real TLS ClientHellos, as .NET's TLS client (OpenSSL underneath) sends them, for the SNI reader and the capture tests.</summary>
internal static class ClientHellos
{
    /// <summary>What SslStream sends first as a client: the stream records writes and fails the first read.</summary>
    public static async Task<byte[]> CaptureAsync(string targetHost, params string[] alpn)
    {
        var capture = new CaptureStream();
        using var tls = new SslStream(capture, leaveInnerStreamOpen: true);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,
                ApplicationProtocols = alpn.Length == 0 ? null : alpn.Select(p => new SslApplicationProtocol(p)).ToList(),
            });
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            // The capture stream refuses to answer: the handshake ends after the ClientHello.
        }

        return capture.Written.ToArray();
    }

    private sealed class CaptureStream : Stream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("capture only: the ClientHello is all we want");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromException<int>(new IOException("capture only: the ClientHello is all we want"));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Task.FromException<int>(new IOException("capture only: the ClientHello is all we want"));

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

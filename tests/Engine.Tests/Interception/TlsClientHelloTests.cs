using System.Buffers;
using Engine.Interception;
using Engine.Protocols.Tests.Http1;

namespace Engine.Tests.Interception;

/// <summary>The server name of real ClientHellos (SslStream's, as an app's TLS client sends them), whole, in pieces and broken.</summary>
public sealed class TlsClientHelloTests
{
    [Theory]
    [InlineData("api.example.com", "api.example.com")]
    [InlineData("Mixed.Case.Example.COM", "mixed.case.example.com")]
    [InlineData("10.1.2.3", null)] // an IP address is never sent as a server name (RFC 6066 §3)
    public async Task ARealClientHello_GivesItsServerName(string targetHost, string? expected)
    {
        var hello = await ClientHellos.CaptureAsync(targetHost);

        Assert.Equal(TlsClientHello.Result.Complete, TlsClientHello.TryRead(hello, out var name));
        Assert.Equal(expected, name);
    }

    [Fact]
    public async Task EveryPrefix_AsksForMore_AndTheWholeAnswers()
    {
        var hello = await ClientHellos.CaptureAsync("api.example.com");

        for (var length = 0; length < hello.Length; length++)
        {
            Assert.Equal(TlsClientHello.Result.NeedMore, TlsClientHello.TryRead(hello.AsSpan(0, length), out _));
        }

        // Data after the ClientHello (early data, the next record) changes nothing.
        Assert.Equal(TlsClientHello.Result.Complete, TlsClientHello.TryRead([.. hello, 23, 3, 3, 0, 1, 0], out var name));
        Assert.Equal("api.example.com", name);
    }

    [Fact]
    public async Task AClientHelloSplitOverRecords_IsReassembled()
    {
        var hello = await ClientHellos.CaptureAsync("split.example.com");
        var handshake = hello.AsSpan(5).ToArray();

        // The same handshake message in three records of 40, 60 and the rest (RFC 8446 §5.1).
        var records = new List<byte>();
        foreach (var (start, length) in new[] { (0, 40), (40, 60), (100, handshake.Length - 100) })
        {
            records.AddRange([22, 3, 1, (byte)(length >> 8), (byte)length]);
            records.AddRange(handshake.AsSpan(start, length).ToArray());
        }

        Assert.Equal(TlsClientHello.Result.Complete, TlsClientHello.TryRead(records.ToArray(), out var name));
        Assert.Equal("split.example.com", name);
        Assert.Equal(TlsClientHello.Result.NeedMore, TlsClientHello.TryRead(records.Take(120).ToArray(), out _));
    }

    [Fact]
    public async Task ASequenceInSegments_ReadsAsOneSpan()
    {
        var hello = await ClientHellos.CaptureAsync("segments.example.com");

        Assert.Equal(TlsClientHello.Result.Complete, TlsClientHello.TryRead(Sequences.Split(hello, 7, 107), out var name));
        Assert.Equal("segments.example.com", name);
        Assert.Equal(TlsClientHello.Result.Complete, TlsClientHello.TryRead(Sequences.OneBytePerSegment(hello), out name));
        Assert.Equal("segments.example.com", name);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    public void OtherProtocols_AreNotTls(string text)
    {
        Assert.Equal(TlsClientHello.Result.NotTls, TlsClientHello.TryRead(System.Text.Encoding.ASCII.GetBytes(text), out var name));
        Assert.Null(name);
    }

    [Fact]
    public async Task BrokenHeaders_AreNotTls()
    {
        var hello = await ClientHellos.CaptureAsync("api.example.com");

        Assert.Equal(TlsClientHello.Result.NotTls, TlsClientHello.TryRead(With(hello, 1, 2), out _));      // record version 2.x
        Assert.Equal(TlsClientHello.Result.NotTls, TlsClientHello.TryRead(With(hello, 5, 2), out _));      // a ServerHello
        Assert.Equal(TlsClientHello.Result.NotTls, TlsClientHello.TryRead(With(hello, 0, 23), out _));     // application data first
        Assert.Equal(TlsClientHello.Result.NotTls, TlsClientHello.TryRead(With(hello, 3, 0xff), out _));   // a record over 16 KB
        Assert.Equal(TlsClientHello.Result.NotTls, TlsClientHello.TryRead([22, 3, 1, 0, 0], out _));      // an empty record
    }

    [Theory]
    [InlineData(true, "istio-http/1.1", "istio", "http/1.1")] // a sidecar's ISTIO_MUTUAL over HTTP/1.1
    [InlineData(true, "istio-peer-exchange", "istio")] // over TCP
    [InlineData(false, "h2", "http/1.1")] // an application's own TLS
    [InlineData(false)] // no ALPN at all
    public async Task IstioAlpn_IsToldFromAnApplicationsOwn(bool istio, params string[] alpn)
    {
        var hello = await ClientHellos.CaptureAsync("outbound_.8080_._.app.default.svc.cluster.local", alpn);

        Assert.Equal(TlsClientHello.Result.Complete, TlsClientHello.TryRead(hello, out var name, out var offersIstio));
        Assert.Equal(istio, offersIstio);
        Assert.Equal("outbound_.8080_._.app.default.svc.cluster.local", name);
    }

    [Fact]
    public async Task RandomDamage_NeverThrows_AndNeverInventsAName()
    {
        var hello = await ClientHellos.CaptureAsync("api.example.com");
        var random = new Random(20261126);
        for (var i = 0; i < 5_000; i++)
        {
            var damaged = hello.ToArray();
            for (var hits = random.Next(1, 4); hits > 0; hits--)
            {
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            }

            var result = TlsClientHello.TryRead(damaged.AsSpan(0, random.Next(damaged.Length + 1)), out var name);

            Assert.True(name is null || result == TlsClientHello.Result.Complete);
            Assert.True(name is null || name.All(c => c > ' ' && c < 0x7f && !char.IsUpper(c)), name);
        }
    }

    [Fact]
    public void AnOverlongStart_StopsAtTheLimit()
    {
        // A "ClientHello" claiming more than the reader keeps is given up on, not buffered forever.
        var huge = new byte[TlsClientHello.MaxBytes + 100];
        for (var at = 0; at + 5 <= huge.Length; at += 5 + 16_000)
        {
            huge[at] = 22;
            huge[at + 1] = 3;
            huge[at + 3] = 16_000 >> 8;
            huge[at + 4] = 16_000 & 0xff;
        }

        huge[5] = 1;
        huge[6] = 0x01; // a handshake length of ~65 KB
        Assert.Equal(TlsClientHello.Result.NotTls, TlsClientHello.TryRead(huge, out _));
        Assert.Equal(TlsClientHello.Result.NotTls, TlsClientHello.TryRead(new ReadOnlySequence<byte>(huge), out _));
    }

    private static byte[] With(byte[] bytes, int index, byte value)
    {
        var copy = bytes.ToArray();
        copy[index] = value;
        return copy;
    }
}

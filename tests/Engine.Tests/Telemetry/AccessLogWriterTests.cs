using System.Text;
using Engine.Protocols.Http;
using Engine.Proxy;
using Engine.Telemetry.AccessLogs;
using static Engine.Tests.Telemetry.TelemetryFixtures;

namespace Engine.Tests.Telemetry;

public sealed class AccessLogWriterTests
{
    [Fact]
    public void Dispose_WritesEveryQueuedLine_InOrder()
    {
        var destination = new MemoryStream();
        var writer = new AccessLogWriter(destination, "memory", ownsDestination: false);
        for (var i = 0; i < 5000; i++)
        {
            writer.Append(Encoding.ASCII.GetBytes($"line {i}\n"));
        }

        writer.Dispose();

        var lines = Encoding.ASCII.GetString(destination.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => $"line {i}"), lines);
        Assert.Equal(5000, writer.Lines);
        Assert.Equal(0, writer.Dropped);
    }

    [Fact]
    public void Append_NeverWaitsForAStuckDestination_ItDropsAndCounts()
    {
        using var release = new ManualResetEventSlim();
        var destination = new BlockingStream(release);
        var writer = new AccessLogWriter(destination, "stuck", ownsDestination: false);
        var line = Encoding.ASCII.GetBytes(new string('x', 99) + "\n");
        var appended = 5 * AccessLogWriter.BufferSize / line.Length; // more than both buffers hold

        for (var i = 0; i < appended; i++)
        {
            writer.Append(line); // returns although the flusher is stuck in Write
        }

        Assert.True(writer.Dropped > 0);
        release.Set();
        writer.Dispose();

        Assert.Equal(appended, writer.Lines + writer.Dropped);
        Assert.Equal(writer.Lines * line.Length, destination.Written);
    }

    [Fact]
    public void AFailingDestination_IsCounted_NotThrown()
    {
        var writer = new AccessLogWriter(new FailingStream(), "broken", ownsDestination: false);
        writer.Append("a\n"u8);

        writer.Dispose();

        Assert.Equal(1, writer.WriteFailures);
    }

    [Fact]
    public void AccessLog_FormatsOnTheCallingThread_AndQueuesTheLine()
    {
        var destination = new MemoryStream();
        var log = new AccessLog(new AccessLogWriter(destination, "memory", ownsDestination: false), AccessLogFormat.Envoy);

        log.Log(Local(Parse("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"), 404, ResponseFlags.NoRoute));
        log.Log(Proxied(Parse("POST /y HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), Cluster(), new HttpResponseHead()));
        log.Dispose();

        var lines = Encoding.UTF8.GetString(destination.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"GET /x HTTP/1.1\" 404 NR ", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"POST /y HTTP/1.1\" 200 - ", lines[1], StringComparison.Ordinal);
    }

    /// <summary>Blocks every write until released; counts what it was given.</summary>
    private sealed class BlockingStream(ManualResetEventSlim release) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            release.Wait(TimeSpan.FromMinutes(1));
            Written += count;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => 0;

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("broken pipe");

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

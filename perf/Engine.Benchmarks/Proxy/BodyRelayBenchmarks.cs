using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Engine.Proxy;
using Engine.Transport;
using Engine.Transport.Epoll;

namespace Engine.Benchmarks.Proxy;

/// <summary>
/// An answer's body relayed from an upstream connection's input to a client connection's output,
/// the epoll transport's own pipes on the pinned block pool, minus the sockets: copied
/// (<see cref="BodyCopier.CopyLengthAsync"/>, what every body took before) or lent
/// (<see cref="BodyCopier.LendLengthAsync"/>, bodies from 16 KiB now). Each operation fills the
/// input as receives do (16 KiB reads into 32 KiB blocks), relays the body, and drains the output
/// as the send loop does. The kernel's copies are not here; what is left is the user-space copy
/// and the pipe bookkeeping, which the loan trades for a wait per read.
/// </summary>
[MemoryDiagnoser]
public class BodyRelayBenchmarks
{
    private const int ReceiveHint = 16 * 1024;

    private readonly PinnedBlockMemoryPool _pool = new(32 * 1024, 256);
    private SocketPipe _input = null!;
    private SocketPipe _output = null!;

    [Params(64 * 1024, 1024 * 1024)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // No back-pressure: one operation runs on one thread, the relay and the "send loop" in turn.
        var options = new PipeOptions(_pool, PipeScheduler.Inline, PipeScheduler.Inline, pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: 32 * 1024, useSynchronizationContext: false);
        _input = new SocketPipe(options);
        _output = new SocketPipe(options);
    }

    [Benchmark(Baseline = true)]
    public long Copied()
    {
        Receive();
        return Drive(BodyCopier.CopyLengthAsync(_input.Reader, _output.Writer, BodyBytes));
    }

    [Benchmark]
    public long Lent()
    {
        Receive();
        return Drive(BodyCopier.LendLengthAsync(_input.Reader, (IOutboundLender)_output.Writer, BodyBytes));
    }

    /// <summary>Writes the body into the input the way the receive loop does, and flushes it.</summary>
    private void Receive()
    {
        var writer = _input.Writer;
        for (var left = BodyBytes; left > 0;)
        {
            var memory = writer.GetMemory(ReceiveHint);
            var n = Math.Min(left, memory.Length);
            memory.Span[..n].Fill(0x61);
            writer.Advance(n);
            left -= n;
        }

        _ = writer.FlushAsync();
    }

    /// <summary>Drains the output until the relay is done (a loan returns when its bytes are consumed); the bytes sent.</summary>
    private long Drive(ValueTask<BodyResult> relay)
    {
        long sent = 0;
        while (true)
        {
            if (_output.Reader.TryRead(out var read))
            {
                sent += read.Buffer.Length;
                _output.Reader.AdvanceTo(read.Buffer.End);
            }

            if (relay.IsCompleted)
            {
                if (relay.GetAwaiter().GetResult() != BodyResult.Complete)
                {
                    throw new InvalidOperationException("the relay did not complete");
                }

                if (_output.Reader.TryRead(out var rest))
                {
                    sent += rest.Buffer.Length;
                    _output.Reader.AdvanceTo(rest.Buffer.End);
                }

                return sent;
            }
        }
    }
}

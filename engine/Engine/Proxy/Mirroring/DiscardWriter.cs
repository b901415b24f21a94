using System.IO.Pipelines;

namespace Engine.Proxy.Mirroring;

/// <summary>A pipe writer that drops everything: where a mirror's response body goes.</summary>
internal sealed class DiscardWriter : PipeWriter
{
    private byte[] _scratch = new byte[4096];

    public override void Advance(int bytes)
    {
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint).Span;

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => new(new FlushResult(false, false));

    private Memory<byte> Scratch(int sizeHint)
    {
        if (sizeHint > _scratch.Length)
        {
            _scratch = new byte[sizeHint];
        }

        return _scratch;
    }
}

using System.Buffers;

namespace Engine.Proxy;

/// <summary>
/// A copy of a request body kept for a retry while the body streams through (Envoy's retry buffer),
/// in pooled blocks: it grows to its limit block by block, and gives every block back when the
/// request is over, so a stream object kept for reuse holds no memory between requests (a growable
/// array would keep its largest size, and allocate every size on the way there).
/// </summary>
internal sealed class ReplayCopy
{
    private readonly List<IMemoryOwner<byte>> _blocks = [];
    private readonly List<Segment> _segments = [];
    private int _lastUsed; // bytes written in the last block

    /// <summary>Bytes kept.</summary>
    public long Length { get; private set; }

    /// <summary>Appends <paramref name="data"/> when the copy stays within <paramref name="limit"/> bytes; false (nothing appended) otherwise.</summary>
    public bool TryAppend(in ReadOnlySequence<byte> data, long limit, MemoryPool<byte> pool)
    {
        if (Length + data.Length > limit)
        {
            return false;
        }

        foreach (var memory in data)
        {
            var span = memory.Span;
            while (!span.IsEmpty)
            {
                if (_blocks.Count == 0 || _lastUsed == _blocks[^1].Memory.Length)
                {
                    _blocks.Add(pool.Rent());
                    _lastUsed = 0;
                }

                var room = _blocks[^1].Memory.Span[_lastUsed..];
                var n = Math.Min(room.Length, span.Length);
                span[..n].CopyTo(room);
                span = span[n..];
                _lastUsed += n;
                Length += n;
            }
        }

        return true;
    }

    /// <summary>The bytes kept, as one sequence over the blocks (valid until <see cref="Clear"/>).</summary>
    public ReadOnlySequence<byte> AsSequence()
    {
        if (Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        while (_segments.Count < _blocks.Count)
        {
            _segments.Add(new Segment());
        }

        Segment? previous = null;
        long running = 0;
        for (var i = 0; i < _blocks.Count; i++)
        {
            var used = i == _blocks.Count - 1 ? _lastUsed : _blocks[i].Memory.Length;
            var segment = _segments[i];
            segment.Set(_blocks[i].Memory[..used], running);
            previous?.Link(segment);
            previous = segment;
            running += used;
        }

        var last = _segments[_blocks.Count - 1];
        return new ReadOnlySequence<byte>(_segments[0], 0, last, last.Memory.Length);
    }

    /// <summary>Gives every block back; the copy is empty.</summary>
    public void Clear()
    {
        foreach (var block in _blocks)
        {
            block.Dispose();
        }

        _blocks.Clear();
        _lastUsed = 0;
        Length = 0;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public void Set(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
            Next = null;
        }

        public void Link(Segment next) => Next = next;
    }
}

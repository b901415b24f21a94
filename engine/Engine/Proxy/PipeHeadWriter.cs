using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace Engine.Proxy;

/// <summary>
/// Writes a message head straight into a pipe's (or any buffer writer's) memory: one <c>GetSpan</c> per block instead of
/// one per header, no intermediate buffer. <see cref="Commit"/> must be called before the pipe
/// is flushed or written by anyone else.
/// </summary>
internal ref struct PipeHeadWriter
{
    private readonly IBufferWriter<byte> _writer;
    private Span<byte> _span;
    private int _buffered;

    public PipeHeadWriter(IBufferWriter<byte> writer)
    {
        _writer = writer;
        _span = writer.GetSpan(1024);
        _buffered = 0;
    }

    /// <summary>Bytes written so far and not yet committed.</summary>
    public int Buffered => _buffered;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= _span.Length - _buffered)
        {
            bytes.CopyTo(_span[_buffered..]);
            _buffered += bytes.Length;
            return;
        }

        WriteSlow(bytes);
    }

    public void WriteByte(byte value)
    {
        if (_buffered == _span.Length)
        {
            Grow(1);
        }

        _span[_buffered++] = value;
    }

    public void WriteDecimal(long value)
    {
        if (_span.Length - _buffered < 20)
        {
            Grow(20);
        }

        Utf8Formatter.TryFormat(value, _span[_buffered..], out var written);
        _buffered += written;
    }

    /// <summary>Writes "name: value\r\n".</summary>
    public void WriteHeader(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
    {
        Write(name);
        Write(": "u8);
        Write(value);
        Write("\r\n"u8);
    }

    public void WriteHeader(scoped ReadOnlySpan<byte> name, long value)
    {
        Write(name);
        Write(": "u8);
        WriteDecimal(value);
        Write("\r\n"u8);
    }

    public void Commit()
    {
        if (_buffered > 0)
        {
            _writer.Advance(_buffered);
            _span = _span[_buffered..];
            _buffered = 0;
            if (_span.IsEmpty)
            {
                _span = _writer.GetSpan();
            }
        }
    }

    private void WriteSlow(scoped ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_buffered == _span.Length)
            {
                Grow(1);
            }

            var n = Math.Min(bytes.Length, _span.Length - _buffered);
            bytes[..n].CopyTo(_span[_buffered..]);
            _buffered += n;
            bytes = bytes[n..];
        }
    }

    private void Grow(int sizeHint)
    {
        _writer.Advance(_buffered);
        _buffered = 0;
        _span = _writer.GetSpan(sizeHint);
    }
}

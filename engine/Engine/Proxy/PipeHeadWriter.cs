using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using Engine.Protocols.Http;

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
    private ByteRange _lines; // arena bytes of field lines not yet written (WriteField)

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

    /// <summary>
    /// Writes one of <paramref name="head"/>'s fields as "name: value\r\n". Fields still laid out in
    /// the arena as the lines they came in (<see cref="HttpHead.TryGetFieldLine"/>), one after the
    /// other, are held and copied in one piece by the next write or <see cref="EndFields"/>: nginx's
    /// answer keeps four such lines, one copy instead of sixteen.
    /// </summary>
    public void WriteField(HttpHead head, in HeaderField field)
    {
        if (head.TryGetFieldLine(field, out var line))
        {
            if (!_lines.IsEmpty && _lines.End == line.Start)
            {
                _lines = new ByteRange(_lines.Start, _lines.Length + line.Length);
                return;
            }

            EndFields(head);
            _lines = line;
            return;
        }

        EndFields(head);
        WriteHeader(head.Span(field.Name), head.Span(field.Value));
    }

    /// <summary>Writes the field lines <see cref="WriteField"/> holds: call it after the last field of <paramref name="head"/>.</summary>
    public void EndFields(HttpHead head)
    {
        if (!_lines.IsEmpty)
        {
            Write(head.Span(_lines));
            _lines = default;
        }
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

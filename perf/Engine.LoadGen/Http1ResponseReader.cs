using System.Buffers.Text;
using System.Text;

namespace Engine.LoadGen;

/// <summary>
/// Finds where each HTTP/1.1 response ends in a byte stream, without keeping the body: the head
/// is parsed in place once it is whole (status, Content-Length, chunked, Connection: close), body
/// bytes are only counted and skipped. Lenient where a load generator can be (it is not a proxy),
/// strict where a mistake would mis-frame the next response.
/// </summary>
internal sealed class Http1ResponseReader
{
    private const int MaxLine = 8 * 1024;

    private State _state = State.Head;
    private long _remaining;
    private bool _isHead;

    public enum Result
    {
        /// <summary>Everything given was used; read more.</summary>
        NeedMore,

        /// <summary>A response ended; <see cref="Status"/> and <see cref="Close"/> describe it.</summary>
        Complete,

        /// <summary>Bytes that are not HTTP/1.1 framing: close the connection.</summary>
        Invalid,
    }

    private enum State
    {
        Head,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        UntilClose,
    }

    /// <summary>Status code of the response that last completed.</summary>
    public int Status { get; private set; }

    /// <summary>The server said Connection: close (or spoke HTTP/1.0 without keep-alive).</summary>
    public bool Close { get; private set; }

    /// <summary>Body bytes of the current response so far (framing excluded).</summary>
    public long BodyBytes { get; private set; }

    /// <summary>True while a close-delimited body is being read: the end of the stream completes it.</summary>
    public bool EndsAtClose => _state == State.UntilClose;

    /// <summary>The next response answers a HEAD request (it has no body whatever its fields say).</summary>
    public void Expect(bool head) => _isHead = head;

    public void Reset()
    {
        _state = State.Head;
        _remaining = 0;
        BodyBytes = 0;
    }

    /// <summary>
    /// Consumes from <paramref name="data"/> until a response completes or the data runs out;
    /// <paramref name="consumed"/> says how much was used. Incomplete heads and chunk lines are
    /// not consumed: call again with them and more bytes after.
    /// </summary>
    public Result Read(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        while (true)
        {
            var rest = data[consumed..];
            switch (_state)
            {
                case State.Head:
                {
                    var end = rest.IndexOf("\r\n\r\n"u8);
                    if (end < 0)
                    {
                        return rest.Length > 64 * 1024 ? Result.Invalid : Result.NeedMore;
                    }

                    if (!ParseHead(rest[..(end + 2)]))
                    {
                        return Result.Invalid;
                    }

                    consumed += end + 4;
                    BodyBytes = 0;
                    if (Status is >= 100 and < 200)
                    {
                        continue; // interim response: the final one follows
                    }

                    if (_state == State.Head)
                    {
                        return Result.Complete; // no body
                    }

                    continue;
                }

                case State.Body:
                {
                    var take = (int)Math.Min(_remaining, rest.Length);
                    consumed += take;
                    _remaining -= take;
                    BodyBytes += take;
                    if (_remaining == 0)
                    {
                        _state = State.Head;
                        return Result.Complete;
                    }

                    return Result.NeedMore;
                }

                case State.ChunkSize:
                {
                    var eol = rest.IndexOf("\r\n"u8);
                    if (eol < 0)
                    {
                        return rest.Length > MaxLine ? Result.Invalid : Result.NeedMore;
                    }

                    var line = rest[..eol];
                    var semicolon = line.IndexOf((byte)';');
                    if (semicolon >= 0)
                    {
                        line = line[..semicolon];
                    }

                    if (!Utf8Parser.TryParse(line.Trim((byte)' '), out ulong size, out var used, 'x') || used != line.Trim((byte)' ').Length || size > long.MaxValue)
                    {
                        return Result.Invalid;
                    }

                    consumed += eol + 2;
                    _remaining = (long)size;
                    _state = size == 0 ? State.Trailers : State.ChunkData;
                    continue;
                }

                case State.ChunkData:
                {
                    var take = (int)Math.Min(_remaining, rest.Length);
                    consumed += take;
                    _remaining -= take;
                    BodyBytes += take;
                    if (_remaining > 0)
                    {
                        return Result.NeedMore;
                    }

                    _state = State.ChunkDataEnd;
                    continue;
                }

                case State.ChunkDataEnd:
                {
                    if (rest.Length < 2)
                    {
                        return Result.NeedMore;
                    }

                    if (rest[0] != '\r' || rest[1] != '\n')
                    {
                        return Result.Invalid;
                    }

                    consumed += 2;
                    _state = State.ChunkSize;
                    continue;
                }

                case State.Trailers:
                {
                    var eol = rest.IndexOf("\r\n"u8);
                    if (eol < 0)
                    {
                        return rest.Length > MaxLine ? Result.Invalid : Result.NeedMore;
                    }

                    consumed += eol + 2;
                    if (eol == 0)
                    {
                        _state = State.Head;
                        return Result.Complete;
                    }

                    continue;
                }

                default:
                    consumed += rest.Length;
                    BodyBytes += rest.Length;
                    return Result.NeedMore;
            }
        }
    }

    /// <summary>Called at the end of the stream: completes a close-delimited body.</summary>
    public bool CompleteAtClose()
    {
        if (_state != State.UntilClose)
        {
            return false;
        }

        _state = State.Head;
        Close = true;
        return true;
    }

    private bool ParseHead(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 200 OK\r\n"
        if (head.Length < 14 || !head.StartsWith("HTTP/1."u8) || head[8] != ' '
            || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out var used) || used != 3)
        {
            return false;
        }

        var http10 = head[7] == '0';
        Status = status;
        Close = http10;
        long contentLength = -1;
        var chunked = false;

        var lineEnd = head.IndexOf("\r\n"u8);
        var fields = head[(lineEnd + 2)..];
        while (!fields.IsEmpty)
        {
            var eol = fields.IndexOf("\r\n"u8);
            var line = fields[..eol];
            fields = fields[(eol + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return false;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out var n) || n != value.Length || length < 0)
                {
                    return false;
                }

                contentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                chunked = ContainsToken(value, "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                if (ContainsToken(value, "close"u8))
                {
                    Close = true;
                }
                else if (http10 && ContainsToken(value, "keep-alive"u8))
                {
                    Close = false;
                }
            }
        }

        if (status is >= 100 and < 200 || status is 204 or 304 || _isHead)
        {
            _state = State.Head;
        }
        else if (chunked)
        {
            _state = State.ChunkSize;
        }
        else if (contentLength >= 0)
        {
            _remaining = contentLength;
            _state = contentLength == 0 ? State.Head : State.Body;
        }
        else
        {
            _state = State.UntilClose;
        }

        return true;
    }

    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }
}

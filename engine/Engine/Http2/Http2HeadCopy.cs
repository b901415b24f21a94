using Engine.Protocols.Http;

namespace Engine.Http2;

/// <summary>
/// Copies a head into a stream's own head. A stream's frames are encoded by the connection's writer
/// when their turn comes (HPACK state must follow wire order, RFC 7541 §2.3.2), so the caller's head
/// is copied at once and the caller may reuse it. The arena is copied in one block and the field
/// ranges are kept as they are.
/// </summary>
internal static class Http2HeadCopy
{
    public static void Copy(HttpResponseHead from, HttpResponseHead to)
    {
        CopyFields(from, to);
        to.StatusCode = from.StatusCode;
        to.Reason = from.Reason;
    }

    public static void Copy(HttpRequestHead from, HttpRequestHead to)
    {
        CopyFields(from, to);
        to.Method = from.Method;
        to.MethodBytes = from.MethodBytes;
        to.Scheme = from.Scheme;
        to.Authority = from.Authority;
        to.Path = from.Path;
        to.Protocol = from.Protocol;
        to.QueryOffset = from.QueryOffset;
        to.AbsoluteForm = from.AbsoluteForm;
        to.ExpectContinue = from.ExpectContinue;
        to.HostCount = from.HostCount;
    }

    public static void Copy(HttpTrailers from, HttpTrailers to) => CopyFields(from, to);

    private static void CopyFields(HttpHead from, HttpHead to)
    {
        to.Reset();
        var length = from.ArenaLength;
        from.Span(new ByteRange(0, length)).CopyTo(to.Reserve(length, out _));
        foreach (var field in from.Headers)
        {
            to.AddHeader(field.Name, field.Value, field.Known, field.NeverIndexed);
        }

        to.Version = from.Version;
        to.ContentLength = from.ContentLength;
        to.Chunked = from.Chunked;
        to.Connection = from.Connection;
    }
}

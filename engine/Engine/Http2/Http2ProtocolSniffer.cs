using System.IO.Pipelines;
using Engine.Protocols.Http2;
using Engine.Proxy;

namespace Engine.Http2;

/// <summary>
/// Looks at the first bytes of a downstream connection to pick HTTP/2 (the prior-knowledge
/// preface, h2c) or HTTP/1.x, without consuming anything: the session that follows reads the same
/// bytes from the start (for HTTP/2, <see cref="Server.Http2ServerConnection"/> reads the preface itself).
/// </summary>
internal static class Http2ProtocolSniffer
{
    /// <summary>
    /// Reads until <see cref="Http2Preface.Sniff"/> can tell. A connection that closes before then is
    /// <see cref="ProtocolSniffResult.Incomplete"/>; the caller treats it as HTTP/1 (which reports the EOF).
    /// </summary>
    public static async ValueTask<ProtocolSniffResult> SniffAsync(PipeReader input, CancellationToken cancellationToken = default)
    {
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = read.Buffer;
                var result = Http2Preface.Sniff(buffer);
                if (result != ProtocolSniffResult.Incomplete || read.IsCompleted || read.IsCanceled)
                {
                    // Examined nothing: the next reader gets these bytes at once.
                    input.AdvanceTo(buffer.Start);
                    return result;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            // The peer went away before saying anything; the session that follows sees the same.
            return ProtocolSniffResult.Incomplete;
        }
    }
}

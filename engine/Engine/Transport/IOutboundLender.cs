using System.Buffers;

namespace Engine.Transport;

/// <summary>
/// A destination that can send bytes it does not own: the caller keeps <paramref name="data"/>
/// (a proxied body in the upstream connection's input) valid and unchanged until the returned task
/// completes, and consumes it from its source only then. True when every byte went out, false when
/// the destination is gone. One lend at a time, after anything written before it was flushed or is
/// part of the same message head.
/// </summary>
internal interface IOutboundLender
{
    /// <param name="endsMessage">The message ends with these bytes (a destination that frames messages ends it here).</param>
    ValueTask<bool> LendAsync(in ReadOnlySequence<byte> data, bool endsMessage);
}

using Engine.Upstream;

namespace Engine.Http2.Client;

/// <summary>What <see cref="Http2ClientPool.OpenStreamAsync"/> gave: a stream, or why there is none (connect refused, timed out…).</summary>
internal readonly record struct Http2OpenResult(Http2ClientStream? Stream, ConnectOutcome Outcome)
{
    public bool Opened => Stream is not null;
}

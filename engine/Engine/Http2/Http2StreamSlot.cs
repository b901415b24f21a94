namespace Engine.Http2;

/// <summary>
/// A stream as the connection's collections hold it (the writer's ready queue, the pool, the live
/// list). Storing a subclass instance (an <c>Http2ServerStream</c>) into an <c>Http2Stream[]</c>
/// makes the runtime check the array's covariance on every store: the slow path of its
/// element-store helper, a cast-cache look-up of 50 to 90 instructions, three or four times per
/// proxied h2c request (callgrind). A struct's store is a plain write.
/// </summary>
internal readonly struct Http2StreamSlot(Http2Stream stream)
{
    public Http2Stream Stream { get; } = stream;

    public static implicit operator Http2StreamSlot(Http2Stream stream) => new(stream);
}

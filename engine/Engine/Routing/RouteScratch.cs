namespace Engine.Routing;

/// <summary>
/// The buffer <see cref="RequestView"/> joins repeated header lines into, one per thread.
/// </summary>
/// <remarks>
/// Matching is synchronous (a <see cref="RequestView"/> cannot outlive an await), so one buffer
/// per thread serves every request that thread matches. It used to be a field of each exchange:
/// 16 KiB per HTTP/1.1 connection and per HTTP/2 stream object, most of the garbage a client
/// left behind when it opened short-lived h2c connections.
/// </remarks>
internal static class RouteScratch
{
    /// <summary>Longer than any header block the listeners accept, so a joined value always fits.</summary>
    public const int Size = 16 * 1024;

    [ThreadStatic]
    private static byte[]? t_buffer;

    public static byte[] ForThisThread => t_buffer ??= new byte[Size];
}

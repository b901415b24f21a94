namespace Engine.Transport;

/// <summary>Which socket transport carries the engine's connections (both sides).</summary>
internal enum TransportKind
{
    /// <summary>Kestrel's socket transport (System.Net.Sockets), with inline scheduling.</summary>
    Kestrel,

    /// <summary>Our own epoll transport (Transport/Epoll): no speculative reads, one sendmsg per flush.</summary>
    Epoll,
}

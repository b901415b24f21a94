namespace Engine.Transport.Epoll;

/// <summary>Something registered with epoll: a listening socket or a connection.</summary>
internal interface IEpollHandler
{
    /// <summary>
    /// What epoll hands back in <c>epoll_event.data</c> for this registration (slot and sequence,
    /// see <see cref="EpollRegistry"/>); 0 when not registered.
    /// </summary>
    ulong Token { get; set; }

    /// <summary>
    /// Called on the loop thread with the ready mask. Must not block and must not throw: it
    /// resumes whatever waited for the readiness, inline.
    /// </summary>
    void OnEvents(uint events);
}

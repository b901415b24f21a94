namespace Engine.Transport.Epoll;

/// <summary>
/// Work an event-loop thread runs once it has handled every event of one epoll_wait, before it
/// waits again (<see cref="EpollLoop.TryDeferToBatchEnd"/>).
/// </summary>
internal interface IEpollBatchWork
{
    /// <summary>Called on the loop thread. Must not block and must not throw.</summary>
    void OnBatchEnd();
}

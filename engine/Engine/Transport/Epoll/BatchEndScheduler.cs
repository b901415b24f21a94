using System.IO.Pipelines;

namespace Engine.Transport.Epoll;

/// <summary>
/// The output pipe's reader scheduler: a flush on a loop thread runs the socket's send loop once
/// every event of the current epoll_wait has been handled; anywhere else, inline.
/// </summary>
/// <remarks>
/// Sending at once wakes the peer once per send. On loopback (a sidecar's every hop) the sender
/// pays for that wake-up: the receiving socket's wait queue is woken inside the sender's sendto,
/// and a peer asleep on the other core costs an interprocessor interrupt. Sends made in one burst
/// after the batch find a peer already awake for all but the first, as HAProxy's do (it sends
/// after processing everything one poll returned).
/// </remarks>
internal sealed class BatchEndScheduler : PipeScheduler
{
    public static readonly BatchEndScheduler Instance = new();

    private BatchEndScheduler()
    {
    }

    public override void Schedule(Action<object?> action, object? state)
    {
        if (!EpollLoop.TryDeferToBatchEnd(action, state))
        {
            action(state);
        }
    }
}

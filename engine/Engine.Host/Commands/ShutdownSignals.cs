using System.Runtime.InteropServices;

namespace Engine.Host.Commands;

/// <summary>
/// SIGTERM, SIGINT and SIGQUIT: the first asks for a graceful stop (<see cref="Requested"/>),
/// a second one cuts it short (<see cref="Forced"/>). The default action (immediate exit) is
/// suppressed for all of them; System.CommandLine's own handling is off (Program.cs) because it
/// force-exits two seconds after the first signal, shorter than a drain.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _forced = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _count;

    public ShutdownSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal),
        ];
    }

    /// <summary>Completes on the first signal.</summary>
    public Task Requested => _requested.Task;

    /// <summary>Cancelled on the second signal.</summary>
    public CancellationToken Forced => _forced.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _count) == 1)
        {
            _requested.TrySetResult();
        }
        else
        {
            _forced.Cancel();
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _forced.Dispose();
    }
}

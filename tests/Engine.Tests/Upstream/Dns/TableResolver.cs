using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Engine.Upstream.Dns;

namespace Engine.Tests.Upstream.Dns;

/// <summary>
/// A resolver answering from a table the test edits (as a hosts file would): a name not in it is
/// "host not found", as getaddrinfo says. <see cref="Hold"/> keeps asynchronous lookups waiting
/// until <see cref="Release"/>, to observe a request that waits for its host's first lookup.
/// </summary>
internal sealed class TableResolver : IHostNameResolver
{
    private readonly ConcurrentDictionary<string, IPAddress[]> _names = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource _gate = CompletedGate();
    private int _lookups;

    public int Lookups => Volatile.Read(ref _lookups);

    public TableResolver Set(string name, params string[] addresses)
    {
        _names[name] = addresses.Select(IPAddress.Parse).ToArray();
        return this;
    }

    public void Remove(string name) => _names.TryRemove(name, out _);

    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public IPAddress[] Resolve(string name)
    {
        Interlocked.Increment(ref _lookups);
        return _names.TryGetValue(name, out var addresses) ? addresses : throw new SocketException((int)SocketError.HostNotFound);
    }

    public async Task<IPAddress[]> ResolveAsync(string name, CancellationToken cancellation)
    {
        await _gate.Task.WaitAsync(cancellation).ConfigureAwait(false);
        return Resolve(name);
    }

    private static TaskCompletionSource CompletedGate()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}

namespace Engine.Protocols.Http2;

/// <summary>
/// What we let the peer send on a stream or the connection, and when to give credit back. Bytes
/// count against the window when they arrive and are returned once the proxy has passed them on
/// (written upstream/downstream), so a slow consumer throttles the sender instead of growing our
/// buffers (robustness.md §2.3, CVE-2019-9517). Credit goes back in batches of at least half the
/// target window, as Kestrel and nghttp2 do, so a busy stream costs one WINDOW_UPDATE per half window.
/// </summary>
public struct Http2ReceiveWindow
{
    private Http2FlowWindow _window;
    private int _target;
    private int _pending;

    /// <param name="advertised">The window the peer starts with: our SETTINGS_INITIAL_WINDOW_SIZE for a stream, 65,535 for the connection (§6.9.2).</param>
    /// <param name="target">The window we want; above <paramref name="advertised"/>, the difference goes out in the first update (see <see cref="TakeInitialIncrement"/>).</param>
    public Http2ReceiveWindow(int advertised, int target)
    {
        _window = new Http2FlowWindow(advertised);
        _target = target;
        _pending = Math.Max(0, target - advertised);
    }

    /// <summary>What the peer may still send.</summary>
    public readonly long Available => _window.Available;

    /// <summary>
    /// DATA arrived: its whole length counts, padding included (§6.1). False when it exceeds what we
    /// allowed: FLOW_CONTROL_ERROR (a stream error for a stream window, a connection error for the
    /// connection's). Padding is never passed on, so give it back at once with <see cref="OnConsumed"/>.
    /// </summary>
    public bool TryReceive(int length) => _window.TryConsume(length);

    /// <summary>
    /// The increment of a WINDOW_UPDATE to send right after SETTINGS, raising the window from its
    /// RFC initial value to the target (0 when there is nothing to raise).
    /// </summary>
    public int TakeInitialIncrement()
    {
        if (_pending == 0 || _window.Available >= _target)
        {
            return 0;
        }

        return Take();
    }

    /// <summary>
    /// <paramref name="length"/> received bytes were passed on. Returns the increment of a WINDOW_UPDATE
    /// to send now, or 0 while the credit owed is under half the target window.
    /// </summary>
    public int OnConsumed(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _pending += length;
        return _pending >= _target / 2 && _pending > 0 ? Take() : 0;
    }

    /// <summary>
    /// Our SETTINGS_INITIAL_WINDOW_SIZE changed (after the peer's ACK): the stream window moves by the
    /// difference (§6.9.2) and credit is returned against the new target.
    /// </summary>
    public bool TrySetTarget(int target)
    {
        var delta = target - _target;
        _target = target;
        return _window.TryAdjust(delta);
    }

    private int Take()
    {
        var increment = _pending;
        _pending = 0;
        _window.TryIncrease(increment);
        return increment;
    }
}

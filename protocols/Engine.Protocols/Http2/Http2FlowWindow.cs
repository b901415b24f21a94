namespace Engine.Protocols.Http2;

/// <summary>
/// One flow-control window (RFC 9113 §5.2, §6.9): bytes the sender may still send. It never goes
/// above 2^31−1 — a WINDOW_UPDATE or SETTINGS change that would take it there is an error (§6.9.1,
/// §6.9.2) — and it may go negative when SETTINGS_INITIAL_WINDOW_SIZE shrinks under data already in
/// flight (§6.9.2). The same type serves both ends: our credit for sending, and what we allowed the
/// peer (see <see cref="Http2ReceiveWindow"/>).
/// </summary>
public struct Http2FlowWindow
{
    /// <summary>2^31−1: the largest window (§6.9.1).</summary>
    public const int MaxSize = int.MaxValue;

    private long _available;

    public Http2FlowWindow(int initialSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialSize);
        _available = initialSize;
    }

    /// <summary>Bytes that may be sent now; negative after a shrinking SETTINGS change.</summary>
    public readonly long Available => _available;

    /// <summary>WINDOW_UPDATE: false when the window would exceed 2^31−1 (FLOW_CONTROL_ERROR, §6.9.1).</summary>
    public bool TryIncrease(int increment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(increment);
        if (_available + increment > MaxSize)
        {
            return false;
        }

        _available += increment;
        return true;
    }

    /// <summary>
    /// SETTINGS_INITIAL_WINDOW_SIZE changed by <paramref name="delta"/> (§6.9.2): every stream window
    /// moves by it, down into negative values if need be; false when one would exceed 2^31−1 (a
    /// connection error FLOW_CONTROL_ERROR).
    /// </summary>
    public bool TryAdjust(int delta)
    {
        if (_available + delta > MaxSize)
        {
            return false;
        }

        _available += delta;
        return true;
    }

    /// <summary>
    /// Receiving side: a flow-controlled frame of <paramref name="length"/> arrived. False when the
    /// peer sent more than the window allowed (FLOW_CONTROL_ERROR); the window is not changed then.
    /// </summary>
    public bool TryConsume(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > _available)
        {
            return false;
        }

        _available -= length;
        return true;
    }

    /// <summary>Sending side: how much of <paramref name="wanted"/> bytes fits in the window now (0 when it is empty or negative).</summary>
    public readonly int Sendable(int wanted) => (int)Math.Clamp(_available, 0, wanted);

    /// <summary>Sending side: <paramref name="length"/> bytes went out (at most <see cref="Sendable"/>).</summary>
    public void Consume(int length)
    {
        if (length > _available)
        {
            throw new InvalidOperationException("Sent more than the flow-control window allows.");
        }

        _available -= length;
    }
}

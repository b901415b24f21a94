namespace Engine.Protocols.Http2;

/// <summary>
/// The content-length field of one HTTP/2 head as the sinks meet it: one field, digits only
/// (<see cref="Http2ContentLength.TryParse"/>); a second one makes the message malformed.
/// </summary>
internal struct ContentLengthField
{
    private bool _present;
    private long _value;

    /// <summary>The declared length, or -1 when the head has none.</summary>
    public readonly long Value => _present ? _value : -1;

    public Http2Error Take(ReadOnlySpan<byte> value)
    {
        if (_present || !Http2ContentLength.TryParse(value, out _value))
        {
            return Http2Error.InvalidContentLength;
        }

        _present = true;
        return Http2Error.None;
    }
}

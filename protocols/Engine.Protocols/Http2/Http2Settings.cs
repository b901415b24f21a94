using System.Buffers;

namespace Engine.Protocols.Http2;

/// <summary>
/// The SETTINGS of one endpoint (RFC 9113 §6.5.2). A new instance holds the RFC's initial values,
/// which are what a peer's settings are until its first SETTINGS frame arrives.
/// </summary>
public struct Http2Settings()
{
    /// <summary>RFC 9113 §6.9.2: the initial window of a stream (and of the connection, which SETTINGS cannot change).</summary>
    public const int DefaultInitialWindowSize = 65_535;

    /// <summary>§6.5.2: SETTINGS_MAX_FRAME_SIZE is between 2^14 and 2^24−1.</summary>
    public const int MinMaxFrameSize = 16_384;

    public uint HeaderTableSize { get; set; } = 4096;

    public bool EnablePush { get; set; } = true;

    /// <summary>Unlimited until the peer says otherwise.</summary>
    public uint MaxConcurrentStreams { get; set; } = uint.MaxValue;

    public int InitialWindowSize { get; set; } = DefaultInitialWindowSize;

    public int MaxFrameSize { get; set; } = MinMaxFrameSize;

    /// <summary>Advisory (§6.5.2); unlimited until the peer says otherwise.</summary>
    public uint MaxHeaderListSize { get; set; } = uint.MaxValue;

    /// <summary>RFC 8441 extended CONNECT; never offered by us.</summary>
    public bool EnableConnectProtocol { get; set; }

    /// <summary>The settings we advertise, from the limits. Push is always off (we never push nor accept pushes).</summary>
    public static Http2Settings FromLimits(in Http2Limits limits) => new()
    {
        HeaderTableSize = (uint)limits.HeaderTableSize,
        EnablePush = false,
        MaxConcurrentStreams = (uint)limits.MaxConcurrentStreams,
        InitialWindowSize = limits.InitialStreamWindowSize,
        MaxFrameSize = limits.MaxFrameSize,
    };

    /// <summary>
    /// §6.5.2 value ranges, checked by the frame reader for every SETTINGS frame: ENABLE_PUSH and the
    /// RFC 8441/9218 flags are 0 or 1 (PROTOCOL_ERROR), INITIAL_WINDOW_SIZE ≤ 2^31−1
    /// (FLOW_CONTROL_ERROR), MAX_FRAME_SIZE within [2^14, 2^24−1] (PROTOCOL_ERROR). Unknown parameters pass.
    /// </summary>
    public static Http2Error Validate(Http2Setting setting) => setting.Parameter switch
    {
        Http2SettingsParameter.EnablePush when setting.Value > 1 => Http2Error.SettingsInvalidEnablePush,
        Http2SettingsParameter.EnableConnectProtocol or Http2SettingsParameter.NoRfc7540Priorities when setting.Value > 1
            => Http2Error.SettingsInvalidFlag,
        Http2SettingsParameter.InitialWindowSize when setting.Value > int.MaxValue => Http2Error.SettingsInitialWindowTooLarge,
        Http2SettingsParameter.MaxFrameSize when setting.Value is < MinMaxFrameSize or > Http2FrameHeader.MaxLength
            => Http2Error.SettingsInvalidMaxFrameSize,
        _ => Http2Error.None,
    };

    /// <summary>
    /// Applies a peer's SETTINGS payload in order (§6.5.3: values are processed in the order they
    /// appear). <paramref name="initialWindowDelta"/> is how much every stream's send window moves
    /// (§6.9.2); apply it with <see cref="Http2FlowWindow.TryAdjust"/>. A client MUST treat ENABLE_PUSH
    /// = 1 from a server as a connection error (§6.5.2).
    /// </summary>
    public Http2Error Apply(in ReadOnlySequence<byte> payload, bool receivedByClient, out int initialWindowDelta)
    {
        var initialWindow = InitialWindowSize;
        foreach (var setting in new Http2SettingsEnumerator(payload))
        {
            var error = Validate(setting);
            if (error != Http2Error.None)
            {
                initialWindowDelta = 0;
                return error;
            }

            switch (setting.Parameter)
            {
                case Http2SettingsParameter.HeaderTableSize:
                    HeaderTableSize = setting.Value;
                    break;
                case Http2SettingsParameter.EnablePush:
                    if (receivedByClient && setting.Value == 1)
                    {
                        initialWindowDelta = 0;
                        return Http2Error.ServerEnabledPush;
                    }

                    EnablePush = setting.Value == 1;
                    break;
                case Http2SettingsParameter.MaxConcurrentStreams:
                    MaxConcurrentStreams = setting.Value;
                    break;
                case Http2SettingsParameter.InitialWindowSize:
                    InitialWindowSize = (int)setting.Value;
                    break;
                case Http2SettingsParameter.MaxFrameSize:
                    MaxFrameSize = (int)setting.Value;
                    break;
                case Http2SettingsParameter.MaxHeaderListSize:
                    MaxHeaderListSize = setting.Value;
                    break;
                case Http2SettingsParameter.EnableConnectProtocol:
                    EnableConnectProtocol = setting.Value == 1;
                    break;
            }
        }

        initialWindowDelta = InitialWindowSize - initialWindow;
        return Http2Error.None;
    }
}

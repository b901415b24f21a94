namespace Engine.Protocols.Http2;

/// <summary>One SETTINGS parameter (RFC 9113 §6.5.1): a 16-bit identifier and a 32-bit value.</summary>
public readonly record struct Http2Setting(Http2SettingsParameter Parameter, uint Value)
{
    public const int Size = 6;
}

using System.Buffers;

namespace Engine.Protocols.Http2;

/// <summary>Walks the parameters of a SETTINGS payload (RFC 9113 §6.5.1) without copying it.</summary>
public ref struct Http2SettingsEnumerator
{
    private SequenceReader<byte> _reader;

    public Http2SettingsEnumerator(ReadOnlySequence<byte> payload)
    {
        _reader = new SequenceReader<byte>(payload);
    }

    public Http2Setting Current { get; private set; }

    public readonly Http2SettingsEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (!_reader.TryReadBigEndian(out short parameter) || !_reader.TryReadBigEndian(out int value))
        {
            return false;
        }

        Current = new Http2Setting((Http2SettingsParameter)(ushort)parameter, (uint)value);
        return true;
    }
}

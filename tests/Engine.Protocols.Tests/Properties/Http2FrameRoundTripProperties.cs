using System.Buffers;
using CsCheck;
using Engine.Protocols.Http2;
using Engine.Protocols.Tests.Http1;

namespace Engine.Protocols.Tests.Properties;

/// <summary>
/// read ∘ write = id for frames: any sequence of frames written with <see cref="Http2FrameWriter"/>
/// (DATA and field blocks cut at any frame size, SETTINGS, PING, GOAWAY, RST_STREAM, WINDOW_UPDATE,
/// PRIORITY, extension frames) reads back with <see cref="Http2FrameReader"/> as the same frames,
/// whatever segments the bytes arrive in; each field block joins back through
/// <see cref="Http2HeaderBlockAssembler"/>, and the reader consumes exactly what was written.
/// </summary>
public sealed class Http2FrameRoundTripProperties
{
    private const int Iterations = 800;

    private enum Kind
    {
        Data,
        Headers,
        Settings,
        Ping,
        GoAway,
        RstStream,
        WindowUpdate,
        Priority,
        Extension,
    }

    private sealed record Spec(Kind Kind, int StreamId, byte[] Bytes, uint Number, bool Flag, byte Small);

    private static readonly Gen<Spec> Frame = Gen.Select(
        Gen.Enum<Kind>(),
        Gen.Int[1, int.MaxValue],
        Gen.Byte.Array[0, 300],
        Gen.UInt,
        Gen.Bool,
        Gen.Byte).Select((kind, stream, bytes, number, flag, small) => new Spec(kind, stream, bytes, number, flag, small));

    private static readonly Gen<Http2Setting> Setting = Gen.OneOf(
        Gen.UInt.Select(v => new Http2Setting(Http2SettingsParameter.HeaderTableSize, v)),
        Gen.UInt[0, 1].Select(v => new Http2Setting(Http2SettingsParameter.EnablePush, v)),
        Gen.UInt.Select(v => new Http2Setting(Http2SettingsParameter.MaxConcurrentStreams, v)),
        Gen.UInt[0, int.MaxValue].Select(v => new Http2Setting(Http2SettingsParameter.InitialWindowSize, v)),
        Gen.UInt[Http2Settings.MinMaxFrameSize, Http2FrameHeader.MaxLength].Select(v => new Http2Setting(Http2SettingsParameter.MaxFrameSize, v)),
        Gen.UInt.Select(v => new Http2Setting(Http2SettingsParameter.MaxHeaderListSize, v)),
        Gen.Select(Gen.UShort[10, ushort.MaxValue], Gen.UInt).Select((p, v) => new Http2Setting((Http2SettingsParameter)p, v)));

    [Fact]
    public void Frames_WrittenThenRead_UnderAnySegmentation_AreTheSame()
        => Gen.Select(Frame.Array[1, 12], Setting.Array[0, 6], Gen.Int[1, 120], Gen.Int[1, 50].Array[1, 10]).Sample((specs, settings, maxWrite, segments) =>
        {
            var writer = new ArrayBufferWriter<byte>();
            foreach (var spec in specs)
            {
                Write(writer, spec, settings, maxWrite);
            }

            var bytes = writer.WrittenSpan.ToArray();
            var buffer = Sequences.Split(bytes, SplitPoints(bytes.Length, segments));
            var assembler = new Http2HeaderBlockAssembler(Http2Limits.Default);
            foreach (var spec in specs)
            {
                buffer = ReadBack(buffer, spec, settings, maxWrite, assembler);
            }

            Assert.True(buffer.IsEmpty);
        }, iter: Iterations);

    private static void Write(ArrayBufferWriter<byte> writer, Spec spec, Http2Setting[] settings, int maxWrite)
    {
        switch (spec.Kind)
        {
            case Kind.Data:
                Http2FrameWriter.WriteData(writer, spec.StreamId, new ReadOnlySequence<byte>(spec.Bytes), spec.Flag, maxWrite);
                break;
            case Kind.Headers:
                Http2FrameWriter.WriteHeaders(writer, spec.StreamId, spec.Bytes, spec.Flag, maxWrite);
                break;
            case Kind.Settings when spec.Flag:
                Http2FrameWriter.WriteSettingsAck(writer);
                break;
            case Kind.Settings:
                Http2FrameWriter.WriteSettings(writer, settings);
                break;
            case Kind.Ping:
                Http2FrameWriter.WritePing(writer, ((ulong)spec.Number << 32) | spec.Small, spec.Flag);
                break;
            case Kind.GoAway:
                Http2FrameWriter.WriteGoAway(writer, spec.StreamId, (Http2ErrorCode)spec.Number, spec.Bytes);
                break;
            case Kind.RstStream:
                Http2FrameWriter.WriteRstStream(writer, spec.StreamId, (Http2ErrorCode)spec.Number);
                break;
            case Kind.WindowUpdate:
                Http2FrameWriter.WriteWindowUpdate(writer, spec.Flag ? 0 : spec.StreamId, Increment(spec));
                break;
            case Kind.Priority:
                Http2FrameWriter.WritePriority(writer, spec.StreamId, Dependency(spec), spec.Flag, spec.Small);
                break;
            default:
                Http2FrameWriter.WriteFrame(writer, (Http2FrameType)(10 + (spec.Small % 246)), (Http2FrameFlags)(byte)spec.Number, spec.StreamId, spec.Bytes);
                break;
        }
    }

    private static ReadOnlySequence<byte> ReadBack(ReadOnlySequence<byte> buffer, Spec spec, Http2Setting[] settings, int maxWrite, Http2HeaderBlockAssembler assembler)
    {
        if (spec.Kind is Kind.Data or Kind.Headers)
        {
            // Cut at maxWrite bytes a frame; an empty body or block is one empty frame.
            var received = new List<byte>();
            for (var offset = 0; offset == 0 || offset < spec.Bytes.Length; offset += maxWrite)
            {
                var length = Math.Min(maxWrite, spec.Bytes.Length - offset);
                var last = offset + length == spec.Bytes.Length;
                var frame = Read(ref buffer);
                var expectedType = spec.Kind == Kind.Data ? Http2FrameType.Data : offset == 0 ? Http2FrameType.Headers : Http2FrameType.Continuation;
                Assert.Equal(expectedType, frame.Type);
                Assert.Equal(spec.StreamId, frame.StreamId);
                Assert.Equal(spec.Bytes.AsSpan(offset, length).ToArray(), frame.Payload.ToArray());
                Assert.Equal(spec.Flag && (spec.Kind == Kind.Headers ? offset == 0 : last), frame.EndStream);
                Assert.Equal(spec.Kind == Kind.Headers && last, frame.EndHeaders);
                if (spec.Kind == Kind.Headers)
                {
                    Assert.Equal(Http2Error.None, assembler.Add(frame));
                    Assert.Equal(last, assembler.IsComplete);
                    if (last)
                    {
                        Assert.Equal(spec.Bytes, assembler.Block.ToArray());
                        Assert.Equal(spec.Flag, assembler.EndStream);
                        assembler.Reset();
                    }
                }

                received.AddRange(frame.Payload.ToArray());
                if (last)
                {
                    break;
                }
            }

            Assert.Equal(spec.Bytes, received.ToArray());
            return buffer;
        }

        var read = Read(ref buffer);
        switch (spec.Kind)
        {
            case Kind.Settings:
                Assert.Equal(Http2FrameType.Settings, read.Type);
                Assert.Equal(spec.Flag, read.IsAck);
                var parameters = new List<Http2Setting>();
                foreach (var setting in read.Settings)
                {
                    parameters.Add(setting);
                }

                Assert.Equal(spec.Flag ? [] : settings, parameters);
                break;
            case Kind.Ping:
                Assert.Equal(((ulong)spec.Number << 32) | spec.Small, read.PingData);
                Assert.Equal(spec.Flag, read.IsAck);
                break;
            case Kind.GoAway:
                Assert.Equal(spec.StreamId, read.LastStreamId);
                Assert.Equal((Http2ErrorCode)spec.Number, read.ErrorCode);
                Assert.Equal(spec.Bytes, read.Payload.ToArray());
                break;
            case Kind.RstStream:
                Assert.Equal((spec.StreamId, (Http2ErrorCode)spec.Number), (read.StreamId, read.ErrorCode));
                break;
            case Kind.WindowUpdate:
                Assert.Equal((spec.Flag ? 0 : spec.StreamId, Increment(spec)), (read.StreamId, read.WindowIncrement));
                break;
            case Kind.Priority:
                Assert.Equal((spec.StreamId, Dependency(spec), spec.Flag, spec.Small), (read.StreamId, read.StreamDependency, read.Exclusive, read.Weight));
                break;
            default:
                Assert.True(read.IsUnknownType);
                Assert.Equal((Http2FrameType)(10 + (spec.Small % 246)), read.Type);
                Assert.Equal((Http2FrameFlags)(byte)spec.Number, read.Header.Flags);
                Assert.Equal(spec.Bytes, read.Payload.ToArray());
                break;
        }

        return buffer;
    }

    private static Http2Frame Read(ref ReadOnlySequence<byte> buffer)
    {
        var status = Http2FrameReader.TryReadFrame(buffer, Http2Settings.MinMaxFrameSize, out var frame, out var consumed, out var error);
        Assert.Equal(Http2Error.None, error);
        Assert.Equal(Http2ReadStatus.Frame, status);
        Assert.Equal(Http2FrameHeader.Size + frame.Length, Sequences.Offset(buffer, consumed));
        buffer = buffer.Slice(consumed);
        return frame;
    }

    /// <summary>Split points every segments[i] bytes, cycling through the generated lengths.</summary>
    private static int[] SplitPoints(int length, int[] segments)
    {
        var points = new List<int>();
        for (int at = segments[0], i = 1; at < length; at += segments[i++ % segments.Length])
        {
            points.Add(at);
        }

        return [.. points];
    }

    private static int Increment(Spec spec) => (int)(spec.Number & 0x7FFF_FFFF) | 1;

    /// <summary>Any stream but its own (a self-dependency is a stream error, §5.3.1).</summary>
    private static int Dependency(Spec spec)
    {
        var dependency = (int)(spec.Number & 0x7FFF_FFFF);
        return dependency == spec.StreamId ? dependency ^ 1 : dependency;
    }
}

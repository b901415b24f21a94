using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Engine.Upstream.Dns;

namespace Engine.Tests.Upstream.Dns;

/// <summary>
/// A DNS server on a loopback port, UDP and TCP, answering A queries from a table (name → TTL),
/// NXDOMAIN for other names, and nothing at all while <see cref="Silent"/>. Answers use a
/// compression pointer to the question, as real servers do. A name in <see cref="Truncated"/> gets
/// an empty answer with TC over UDP, as an answer over 512 bytes does, and its record over TCP.
/// Counts the queries it saw, by name.
/// </summary>
internal sealed class FakeDnsServer : IDisposable
{
    private readonly UdpClient _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Task _tcpLoop;

    public FakeDnsServer()
    {
        // One port number for both protocols, as a name server has.
        while (true)
        {
            _udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            _tcp = new TcpListener(IPAddress.Loopback, ((IPEndPoint)_udp.Client.LocalEndPoint!).Port);
            try
            {
                _tcp.Start();
                break;
            }
            catch (SocketException)
            {
                _udp.Dispose(); // the port is taken for TCP: another one
            }
        }

        _loop = ServeAsync();
        _tcpLoop = ServeTcpAsync();
    }

    public ConcurrentDictionary<string, byte> Truncated { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<string> AskedOverTcp { get; } = new();

    public IPEndPoint Endpoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

    public ConcurrentDictionary<string, uint> Ttls { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<string> Asked { get; } = new();

    public bool Silent { get; set; }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Stop();
        try
        {
            Task.WaitAll([_loop, _tcpLoop], TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    /// <summary>A name in wire form, uncompressed.</summary>
    public static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }

    /// <summary>A response to a question for <paramref name="name"/>: each record's owner is a pointer to the question's name.</summary>
    public static byte[] Answer(ushort id, string name, ushort type, int rcode, (ushort Type, uint Ttl, byte[] Data)[] records)
    {
        var message = new List<byte>();
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        header[2] = 0x81; // QR, RD
        header[3] = (byte)(0x80 | rcode); // RA
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)records.Length);
        message.AddRange(header);
        message.AddRange(Name(name));
        message.AddRange([(byte)(type >> 8), (byte)type, 0, 1]);
        foreach (var (recordType, ttl, data) in records)
        {
            var record = new byte[12];
            record[0] = 0xC0;
            record[1] = 12; // pointer to the question's name
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(2), recordType);
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(6), ttl);
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(10), (ushort)data.Length);
            message.AddRange(record);
            message.AddRange(data);
        }

        return [.. message];
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try
            {
                query = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var (id, name, type) = Question(query.Buffer);
            Asked.Enqueue(name);
            if (Silent)
            {
                continue;
            }

            var response = Truncated.ContainsKey(name) ? TruncatedAnswer(id, name, type) : Respond(id, name, type);
            await _udp.SendAsync(response, query.RemoteEndPoint);
        }
    }

    /// <summary>One query per connection, each message after its two-byte length (RFC 1035 §4.2.2).</summary>
    private async Task ServeTcpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var client = await _tcp.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var length = new byte[2];
                await stream.ReadExactlyAsync(length, _stop.Token);
                var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                await stream.ReadExactlyAsync(query, _stop.Token);
                var (id, name, type) = Question(query);
                AskedOverTcp.Enqueue(name);
                var response = Respond(id, name, type);
                BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)response.Length);
                await stream.WriteAsync(length, _stop.Token);
                await stream.WriteAsync(response, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private byte[] Respond(ushort id, string name, ushort type)
        => type == DnsWire.TypeA && Ttls.TryGetValue(name, out var ttl)
            ? Answer(id, name, type, 0, [(DnsWire.TypeA, ttl, [127, 0, 0, 1])])
            : Answer(id, name, type, Ttls.ContainsKey(name) ? 0 : DnsWire.NameError, []);

    private static byte[] TruncatedAnswer(ushort id, string name, ushort type)
    {
        var response = Answer(id, name, type, 0, []);
        response[2] |= 0x02; // TC
        return response;
    }

    private static (ushort Id, string Name, ushort Type) Question(byte[] query)
    {
        var labels = new List<string>();
        var at = 12;
        while (query[at] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query, at + 1, query[at]));
            at += 1 + query[at];
        }

        return (BinaryPrimitives.ReadUInt16BigEndian(query), string.Join('.', labels), BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(at + 1)));
    }
}

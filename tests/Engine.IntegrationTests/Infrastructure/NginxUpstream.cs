using System.Diagnostics;
using System.Net.Sockets;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// A real nginx (one worker, in the foreground) on a loopback port, answering every request with
/// <c>return 200 "ok"</c>: it answers at the head and drains a request body afterwards, faster than
/// any upstream written in C# here, which is the timing a proxy meets in production.
/// </summary>
internal sealed class NginxUpstream : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string _directory;

    private NginxUpstream(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public static bool Installed => OperatingSystem.IsLinux() && File.Exists(Binary);

    public static async Task<NginxUpstream> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("engine-nginx-").FullName;
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101); // the worker (not root) reads under it
        }
        var port = FreePort.Next();
        File.WriteAllText(Path.Combine(directory, "nginx.conf"), $$"""
            worker_processes 1;
            daemon off;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 256; }
            http {
              access_log off;
              client_body_temp_path {{directory}}/body;
              proxy_temp_path {{directory}}/proxy;
              fastcgi_temp_path {{directory}}/fastcgi;
              uwsgi_temp_path {{directory}}/uwsgi;
              scgi_temp_path {{directory}}/scgi;
              keepalive_requests 100000;
              server {
                listen 127.0.0.1:{{port}};
                location / { return 200 "ok\n"; }
              }
            }
            """);
        var process = Process.Start(new ProcessStartInfo(Binary, ["-c", Path.Combine(directory, "nginx.conf"), "-p", directory])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var upstream = new NginxUpstream(process, directory, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return upstream;
            }
            catch (SocketException) when (!process.HasExited)
            {
                await Task.Delay(50);
            }
        }

        await upstream.DisposeAsync();
        throw new InvalidOperationException($"nginx did not start on port {port}: {File.ReadAllText(Path.Combine(directory, "error.log"))}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A worker still letting go of its files; the directory is in /tmp.
        }
    }
}

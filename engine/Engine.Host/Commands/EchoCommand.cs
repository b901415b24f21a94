using System.CommandLine;
using Engine.Echo;
using Microsoft.Extensions.Logging;

namespace Engine.Host.Commands;

/// <summary><c>engine echo --listen HOST:PORT --name NAME</c>: the built-in upstream.</summary>
internal static class EchoCommand
{
    public static Command Create()
    {
        var listen = CommonOptions.Listen("Address to serve on, HOST:PORT");
        var name = new Option<string>("--name") { Description = "Name returned in x-served-by and the JSON body", DefaultValueFactory = _ => "echo" };
        var logLevel = CommonOptions.LogLevel();
        var command = new Command("echo", "Serve every request with 200, x-served-by: NAME and a JSON description of the request") { listen, name, logLevel };
        command.SetAction(async (result, cancellation) =>
        {
            var text = result.GetValue(listen)!;
            if (!CommonOptions.TryParseEndpoint(text, out var endpoint))
            {
                await Console.Error.WriteLineAsync($"engine echo: --listen '{text}' is not HOST:PORT").ConfigureAwait(false);
                return 2;
            }

            using var loggerFactory = HostLogging.Create(CommonOptions.ParseLogLevel(result.GetValue(logLevel)!));
            await using var server = new EchoServer(result.GetValue(name)!, loggerFactory);
            try
            {
                var bound = await server.ListenAsync(endpoint).ConfigureAwait(false);
                loggerFactory.CreateLogger("engine.echo").LogInformation("echo {Name} listening on {Endpoint}", server.Name, bound);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                await Console.Error.WriteLineAsync($"engine echo: cannot listen on {endpoint}: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            await RunCommand.WaitForShutdownAsync(cancellation).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}

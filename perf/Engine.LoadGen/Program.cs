using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;

namespace Engine.LoadGen;

/// <summary>
/// <c>engine-loadgen run --url URL --rate RPS [...]</c>: open-loop load at a constant arrival rate,
/// latency measured from each request's intended send time, results as JSON.
/// <c>engine-loadgen startup --connect HOST:PORT -- COMMAND...</c>: a server's start-to-ready time.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Socket completions run inline on the epoll thread, like the engine's: the response is
        // handled and the next queued request written without a thread-pool hop. Must be set
        // before the first socket exists.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

        // Pinned to one core the pool would start with one thread and add more only every half
        // second or so when that one is busy: a generator must never be the stall it measures.
        ThreadPool.GetMinThreads(out var workers, out var completions);
        ThreadPool.SetMinThreads(Math.Max(workers, 8), Math.Max(completions, 8));

        var root = new RootCommand("engine-loadgen: an open-loop HTTP load generator (constant arrival rate, no coordinated omission)");
        root.Subcommands.Add(RunCommand());
        root.Subcommands.Add(StartupCommand());
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    private static Command RunCommand()
    {
        var url = new Option<string>("--url", "-u") { Description = "Target URL (http://HOST:PORT/PATH); loopback only unless --allow-remote", Required = true };
        var rate = new Option<double>("--rate", "-r") { Description = "Requests per second to schedule (constant arrival rate)", Required = true };
        var connections = new Option<int>("--connections", "-c") { Description = "Keep-alive connections (each carries one request at a time)", DefaultValueFactory = _ => 16 };
        var duration = DurationOption("--duration", "-d", "Measured period, e.g. 10s, 500ms, 2m", TimeSpan.FromSeconds(10));
        var requests = new Option<long>("--requests", "-n") { Description = "Stop after scheduling this many measured requests (0: no limit; the duration still bounds the run)", DefaultValueFactory = _ => 0 };
        var warmup = DurationOption("--warmup", "-w", "Period before measuring, at the same rate, not recorded", TimeSpan.FromSeconds(1));
        var drain = DurationOption("--drain-timeout", null, "How long to wait for outstanding responses at the end; later ones count as timeouts", TimeSpan.FromSeconds(5));
        var host = new Option<string?>("--host") { Description = "Host header to send (default: the URL's authority)" };
        var headers = new Option<string[]>("--header", "-H") { Description = "Extra request header NAME: VALUE (repeatable)", DefaultValueFactory = _ => [] };
        var method = new Option<string>("--method", "-m") { Description = "Request method", DefaultValueFactory = _ => "GET" };
        var body = new Option<int>("--body-bytes") { Description = "Send a request body of this many bytes (with Content-Length)", DefaultValueFactory = _ => 0 };
        var protocol = new Option<string>("--protocol") { Description = "http1 (keep-alive, one request at a time per connection) or h2c (HTTP/2 prior knowledge, --streams per connection)", DefaultValueFactory = _ => "http1" };
        var streams = new Option<int>("--streams") { Description = "h2c: concurrent streams per connection", DefaultValueFactory = _ => 10 };
        var json = new Option<string?>("--json", "-o") { Description = "Write the results as JSON to this file ('-' for stdout)" };
        var progress = DurationOption("--progress", null, "Progress line interval on stderr (0 for none)", TimeSpan.FromSeconds(1));
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Allow a non-loopback target (only a host you own)" };

        var command = new Command("run", "Send load at a constant rate and report latency percentiles")
        {
            url, rate, connections, duration, requests, warmup, drain, host, headers, method, body, protocol, streams, json, progress, allowRemote,
        };
        command.SetAction(async (result, cancellation) =>
        {
            try
            {
                var protocolName = result.GetValue(protocol)!;
                if (protocolName is not ("http1" or "h2c"))
                {
                    throw new LoadGenException($"--protocol {protocolName}: http1 or h2c");
                }

                var options = new LoadOptions
                {
                    Target = LoadTarget.Create(result.GetValue(url)!, result.GetValue(method)!, result.GetValue(host), result.GetValue(headers) ?? [], result.GetValue(body), result.GetValue(allowRemote)),
                    Rate = Positive(result.GetValue(rate), "--rate"),
                    Connections = (int)Positive(result.GetValue(connections), "--connections"),
                    Duration = result.GetValue(duration),
                    MaxRequests = result.GetValue(requests),
                    Warmup = result.GetValue(warmup),
                    DrainTimeout = result.GetValue(drain),
                    ProgressInterval = result.GetValue(progress),
                    Protocol = protocolName,
                    Streams = (int)Positive(result.GetValue(streams), "--streams"),
                };
                if (options.Duration <= TimeSpan.Zero)
                {
                    throw new LoadGenException("--duration must be positive: every run is bounded in time");
                }

                var outcome = await new LoadRun(options).RunAsync(Console.Error, cancellation).ConfigureAwait(false);
                ResultWriter.WriteText(outcome, Console.Error);
                var path = result.GetValue(json);
                if (path == "-")
                {
                    await using var stdout = Console.OpenStandardOutput();
                    ResultWriter.WriteJson(outcome, stdout);
                }
                else if (path is not null)
                {
                    await using var file = File.Create(path);
                    ResultWriter.WriteJson(outcome, file);
                }

                return outcome.CompletedMeasured > 0 ? 0 : 1;
            }
            catch (LoadGenException e)
            {
                await Console.Error.WriteLineAsync("engine-loadgen: " + e.Message).ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }

    private static Command StartupCommand()
    {
        var connect = new Option<string>("--connect") { Description = "HOST:PORT the server listens on (loopback)", Required = true };
        var runs = new Option<int>("--runs") { Description = "How many times to start the server", DefaultValueFactory = _ => 5 };
        var timeout = DurationOption("--timeout", null, "Give up on one start after this long", TimeSpan.FromSeconds(10));
        var json = new Option<string?>("--json", "-o") { Description = "Write the results as JSON to this file" };
        var commandLine = new Argument<string[]>("command") { Description = "The server command line (after --)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("startup", "Measure a server's start-to-ready time (first accepted connection) and idle RSS")
        {
            connect, runs, timeout, json, commandLine,
        };
        command.SetAction(async (result, cancellation) =>
        {
            try
            {
                if (!IPEndPoint.TryParse(result.GetValue(connect)!, out var endpoint) || endpoint.Port == 0)
                {
                    throw new LoadGenException($"--connect '{result.GetValue(connect)}' is not HOST:PORT");
                }

                return await StartupProbe.RunAsync(endpoint, result.GetValue(commandLine)!, (int)Positive(result.GetValue(runs), "--runs"), result.GetValue(timeout), result.GetValue(json), Console.Error).ConfigureAwait(false);
            }
            catch (LoadGenException e)
            {
                await Console.Error.WriteLineAsync("engine-loadgen: " + e.Message).ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }

    private static double Positive(double value, string name)
        => value > 0 ? value : throw new LoadGenException($"{name} must be positive");

    private static Option<TimeSpan> DurationOption(string name, string? alias, string description, TimeSpan defaultValue)
    {
        var option = alias is null ? new Option<TimeSpan>(name) : new Option<TimeSpan>(name, alias);
        option.Description = description;
        option.DefaultValueFactory = _ => defaultValue;
        option.CustomParser = ParseDuration;
        return option;
    }

    /// <summary>"10s", "250ms", "2m", "1.5s", or a plain number of seconds.</summary>
    private static TimeSpan ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : string.Empty;
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ => (text, 1.0),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && value * scale <= 24 * 3600)
        {
            return TimeSpan.FromSeconds(value * scale);
        }

        result.AddError($"'{text}' is not a duration (e.g. 10s, 500ms, 2m)");
        return TimeSpan.Zero;
    }
}

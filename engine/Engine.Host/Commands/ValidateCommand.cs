using System.CommandLine;
using Engine.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.Host.Commands;

/// <summary>
/// <c>engine validate --config PATH…</c>: loads, validates and compiles without listening. Prints
/// every problem as <c>FILE:LINE: Kind/name spec.path: message</c>; exit 0 when there is no error.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config(required: true);
        var ns = CommonOptions.Namespace();
        var command = new Command("validate", "Check configuration files and print every problem with file and line") { config, ns };
        command.SetAction(async (result, _) =>
        {
            var options = new SidecarOptions { ConfigPaths = result.GetValue(config) ?? [], Namespace = result.GetValue(ns)! };
            await using var sidecar = new Sidecar(options, NullLoggerFactory.Instance);
            var load = sidecar.Reload();
            foreach (var diagnostic in load.Diagnostics)
            {
                Console.WriteLine(diagnostic.ToString());
            }

            var errors = load.Diagnostics.Count(d => d.IsError);
            var warnings = load.Diagnostics.Length - errors;
            if (errors > 0)
            {
                Console.WriteLine($"{errors} error(s), {warnings} warning(s)");
                return 1;
            }

            var s = load.Snapshot!;
            Console.WriteLine($"valid: {s.Files.Length} file(s), {s.VirtualServices.Length} VirtualService(s), {s.DestinationRules.Length} DestinationRule(s), {s.ServiceEntries.Length} ServiceEntry(s), {s.WorkloadEntries.Length} WorkloadEntry(s); {warnings} warning(s)");
            return 0;
        });
        return command;
    }
}

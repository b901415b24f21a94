using Engine.IntegrationTests.Infrastructure.Netns;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// A hosts file only the engine sees: the engine runs in its own mount namespace with this file
/// bind-mounted over /etc/hosts (getaddrinfo reads /etc/hosts again on every lookup), so a test can
/// change what a name resolves to without touching the machine's. The file is rewritten in place:
/// a bind mount pins the inode, so a rename would not be seen.
/// </summary>
internal sealed class PrivateHostsFile : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("engine-hosts-").FullName;
    private readonly SortedDictionary<string, string[]> _names = new(StringComparer.Ordinal);

    public PrivateHostsFile() => Write();

    public string Path => System.IO.Path.Combine(_directory, "hosts");

    /// <summary>
    /// Runs the native engine through this: <c>unshare --mount</c> (private propagation: the mount
    /// never reaches the host), the bind mount, then exec of the engine with its arguments.
    /// </summary>
    public IReadOnlyList<string> Launcher => ["unshare", "--mount", "--", "sh", "-c", $"mount --bind '{Path}' /etc/hosts && exec \"$0\" \"$@\""];

    /// <summary>Why these tests cannot run here, or null.</summary>
    public static string? WhyNotRunnable()
    {
        if (!OperatingSystem.IsLinux() || NetnsNative.GetEUid() != 0)
        {
            return "DNS refresh tests need root (a mount namespace with a private /etc/hosts); CI runs them as root";
        }

        if (!HostCommand.Exists("unshare") || !HostCommand.Exists("mount"))
        {
            return "DNS refresh tests need `unshare` and `mount` (util-linux)";
        }

        return RepoPaths.NativeEngine is null ? "DNS refresh tests drive the native binary: run scripts/publish.sh (scripts/test.sh does)" : null;
    }

    /// <summary>Maps <paramref name="name"/> to <paramref name="addresses"/> (one line each, in order), or removes it when none.</summary>
    public void Set(string name, params string[] addresses)
    {
        if (addresses.Length == 0)
        {
            _names.Remove(name);
        }
        else
        {
            _names[name] = addresses;
        }

        Write();
    }

    private void Write()
    {
        var lines = new List<string> { "127.0.0.1 localhost", "::1 localhost" };
        lines.AddRange(_names.SelectMany(n => n.Value.Select(a => $"{a} {n.Key}")));

        // Truncate and write the same file (same inode), never replace it.
        using var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
        stream.SetLength(0);
        using var writer = new StreamWriter(stream);
        writer.Write(string.Join('\n', lines) + "\n");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

namespace Engine.Hosting;

/// <summary>
/// Watches the configuration paths (files, or folders recursively) and calls back once things
/// have been quiet for a short while, so an editor's write-rename-delete dance or a `cp -r` of a
/// whole folder is one reload, not ten. Uses inotify through <see cref="FileSystemWatcher"/>.
/// </summary>
internal sealed class ConfigWatcher : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly ITimer _debounce;
    private readonly TimeSpan _quietPeriod;
    private int _disposed;

    public ConfigWatcher(IEnumerable<string> paths, TimeSpan quietPeriod, TimeProvider time, Action changed)
    {
        _quietPeriod = quietPeriod;
        _debounce = time.CreateTimer(_ => changed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            FileSystemWatcher watcher;
            if (Directory.Exists(full))
            {
                watcher = new FileSystemWatcher(full) { IncludeSubdirectories = true };
            }
            else
            {
                // A file: watch its folder for that name (it may be replaced by a rename, or deleted and re-created).
                var folder = Path.GetDirectoryName(full);
                if (folder is null || !Directory.Exists(folder))
                {
                    continue;
                }

                watcher = new FileSystemWatcher(folder, Path.GetFileName(full));
            }

            watcher.NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size;
            watcher.Changed += OnChange;
            watcher.Created += OnChange;
            watcher.Deleted += OnChange;
            watcher.Renamed += OnChange;
            watcher.Error += (_, _) => Poke(); // overflowed: reload to be safe
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    private void OnChange(object sender, FileSystemEventArgs e) => Poke();

    private void Poke()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _debounce.Change(_quietPeriod, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _debounce.Dispose();
    }
}

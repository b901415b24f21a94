using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Engine.LoadGen;

/// <summary>
/// Sleeps until a Stopwatch timestamp with tens-of-microseconds precision and no spinning: on
/// Linux, nanosleep with the thread's timer slack lowered from the default 50 µs to 1 µs;
/// elsewhere Thread.Sleep plus a short spin. Late wake-ups are not hidden: the run reports how
/// late each send was (send lag), and latency is measured from the intended time regardless.
/// </summary>
internal static partial class PreciseSleep
{
    private const int PrSetTimerSlack = 29;
    private static readonly bool UseNanosleep = OperatingSystem.IsLinux();

    /// <summary>Lowers the calling thread's timer slack (Linux); call once on the pacing thread.</summary>
    public static void TuneCurrentThread()
    {
        if (UseNanosleep)
        {
            _ = Prctl(PrSetTimerSlack, 1000, 0, 0, 0);
        }
    }

    public static void Until(long timestamp)
    {
        var delta = timestamp - Stopwatch.GetTimestamp();
        if (delta <= 0)
        {
            return;
        }

        var nanoseconds = (long)(delta * (1e9 / Stopwatch.Frequency));
        if (UseNanosleep)
        {
            var request = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            _ = Nanosleep(request, IntPtr.Zero); // EINTR: waking early only makes the caller re-check
            return;
        }

        if (nanoseconds > 2_000_000)
        {
            Thread.Sleep((int)((nanoseconds - 1_000_000) / 1_000_000));
        }

        var spinner = default(SpinWait);
        while (Stopwatch.GetTimestamp() < timestamp)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int Nanosleep(in Timespec request, IntPtr remaining);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}

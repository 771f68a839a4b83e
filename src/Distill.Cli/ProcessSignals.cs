using System.Runtime.InteropServices;

namespace Distill.Cli;

/// <summary>Asks a child process to stop the way a terminal or a container runtime does: SIGTERM (Unix only).</summary>
internal static partial class ProcessSignals
{
    private const int SigTerm = 15;

    /// <summary>Sends SIGTERM to the process; false where signals do not exist (Windows) or the process is gone.</summary>
    public static bool TryTerminate(int processId) => !OperatingSystem.IsWindows() && Kill(processId, SigTerm) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

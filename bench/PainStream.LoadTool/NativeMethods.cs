// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;

namespace PainStream.LoadTool;

/// <summary>The one libc call the tool needs: sending a signal other than SIGKILL.</summary>
internal static partial class NativeMethods
{
    /// <summary>SIGTERM: the daemon's graceful shutdown signal (systemd sends the same).</summary>
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="sig"/> to <paramref name="pid"/>.</summary>
    /// <param name="pid">The process id.</param>
    /// <param name="sig">The signal number.</param>
    /// <returns>0 on success, -1 on failure.</returns>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int sig);
}

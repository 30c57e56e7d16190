// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;

namespace PainStream.IntegrationTests;

/// <summary>POSIX signals through <c>/bin/kill</c>, as systemd or an operator would send them.</summary>
internal static class Signals
{
    public const string SigTerm = "TERM";
    public const string SigKill = "KILL";

    public static void Send(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;

namespace PainStream.Vision.Landmarks;

/// <summary>
/// Large read-only model tables backed by 2 MiB pages where Linux allows it (transparent huge pages in <c>madvise</c> mode,
/// Debian's default). The 68-point shape predictor's leaves are 65 MB as floats (33 MB as 16-bit) read at about 7,500 random
/// 544-byte (272-byte) places per face:
/// with 4 KiB pages nearly every read misses the TLB, and the page walks, not the arithmetic, set the predictor's cost
/// (issue 14's profile). With 2 MiB pages the whole table needs about 33 TLB entries.
/// </summary>
internal static partial class HugePageArrays
{
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE
    private const long HugePage = 2L * 1024 * 1024;

    /// <summary>
    /// Allocates a pinned array (so it never moves) and asks the kernel to back its whole 2 MiB-aligned interior with huge
    /// pages before it is written. Best effort: where the call fails (not Linux, transparent huge pages off) the array is an
    /// ordinary one with the same contents.
    /// </summary>
    /// <param name="count">Number of elements.</param>
    /// <returns>The array, uninitialised: the caller fills every element.</returns>
    public static float[] Floats(int count) => Create<float>(count);

    /// <summary>As <see cref="Floats"/>, for any unmanaged element type (the quantised leaf table is 16-bit).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="count">Number of elements.</param>
    /// <returns>The array, uninitialised: the caller fills every element.</returns>
    public static unsafe T[] Create<T>(int count)
        where T : unmanaged
    {
        var array = GC.AllocateUninitializedArray<T>(count, pinned: true);
        if (!OperatingSystem.IsLinux() || (long)count * sizeof(T) < 2 * HugePage)
        {
            return array;
        }

        fixed (T* p = array)
        {
            var start = ((long)p + HugePage - 1) & ~(HugePage - 1);
            var end = (long)(p + count) & ~(HugePage - 1);
            if (end > start)
            {
                try
                {
                    _ = Madvise((nint)start, (nuint)(end - start), MadviseHugePage);
                }
                catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
                {
                    // Best effort, see above.
                }
            }
        }

        return array;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

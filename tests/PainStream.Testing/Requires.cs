// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Xunit;

namespace PainStream.Testing;

/// <summary>
/// The only ways a test may skip (issue 15, item 6: honest CI). A prerequisite that <c>scripts/setup</c> installs
/// (ffmpeg, the GStreamer RTSP server, dlib) skips the test on a developer machine and <b>fails</b> it when <c>CI=true</c>,
/// so CI cannot pass with its capture and integration tests skipped. Only GPU tests skip in CI; their reason starts with
/// <see cref="GpuPrefix"/>, which <c>scripts/test</c> checks for every skipped test when <c>CI=true</c>.
/// </summary>
public static class Requires
{
    /// <summary>The prefix of every skip reason that CI accepts.</summary>
    public const string GpuPrefix = "GPU: ";

    /// <summary>Gets a value indicating whether the tests run in CI (<c>CI=true</c>, as GitHub Actions and GitLab set it).</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips the test (fails it in CI) when a prerequisite that <c>scripts/setup</c> installs is missing.</summary>
    /// <param name="available">Whether the prerequisite is there.</param>
    /// <param name="what">What is missing, e.g. "ffmpeg is not installed".</param>
    public static void Installed(bool available, string what)
    {
        if (available)
        {
            return;
        }

        if (IsCi)
        {
            Assert.Fail($"CI=true and a prerequisite is missing: {what}. scripts/setup installs it; only GPU tests may skip in CI.");
        }

        Assert.Skip($"Prerequisite missing: {what} (run scripts/setup; with CI=true this test fails instead).");
    }

    /// <summary>Skips a test that needs a usable GPU when there is none (allowed in CI).</summary>
    /// <param name="usable">Whether the GPU path is usable here.</param>
    /// <param name="reason">Why it is not.</param>
    public static void Gpu(bool usable, string reason)
    {
        Assert.SkipUnless(usable, GpuPrefix + reason);
    }

    /// <summary>Skips a CPU-fallback test where a GPU is usable (the GPU test covers that machine; allowed in CI).</summary>
    /// <param name="gpuUsable">Whether the GPU path is usable here.</param>
    /// <param name="reason">Why the test does not apply.</param>
    public static void NoGpu(bool gpuUsable, string reason)
    {
        Assert.SkipWhen(gpuUsable, GpuPrefix + reason);
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using PainStream.Core.Detection;
using PainStream.Testing;

namespace PainStream.Vision.Tests.Alignment;

/// <summary>
/// Runs dlib's HOG face detector (<c>tools/box-adapter/hog-faces.cpp</c>), the detector dlib's 68-point model was
/// trained on, building it into the temp directory on first use; tests skip where g++ or libdlib-dev is missing.
/// </summary>
internal static class DlibHogDetector
{
    private static readonly Lazy<(string? Path, string? Why)> Binary = new(BuildOnce);

    /// <summary>Detects faces (upsampling once, as dlib's examples do) and returns the boxes of each image.</summary>
    public static IReadOnlyList<BoxF>[] Detect(IReadOnlyList<TestImage> images)
    {
        var (binary, why) = Binary.Value;
        Requires.Installed(binary is not null, why ?? "dlib's HOG detector is unavailable");
        var dir = Directory.CreateTempSubdirectory("painstream-hog-").FullName;
        try
        {
            var start = new ProcessStartInfo(binary!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("1");
            for (var i = 0; i < images.Count; i++)
            {
                var raw = Path.Combine(dir, $"{i}.bgr");
                using (var file = File.Create(raw))
                {
                    for (var y = 0; y < images[i].Height; y++)
                    {
                        file.Write(images[i].View.GetRow(y));
                    }
                }

                start.ArgumentList.Add(raw);
                start.ArgumentList.Add(images[i].Width.ToString(CultureInfo.InvariantCulture));
                start.ArgumentList.Add(images[i].Height.ToString(CultureInfo.InvariantCulture));
            }

            var (exitCode, stdout, stderr) = RunProcess(start);
            Assert.True(exitCode == 0, $"{binary} exited {exitCode}: {stderr}");

            var boxes = Enumerable.Range(0, images.Count).Select(_ => new List<BoxF>()).ToArray();
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

                // dlib rectangles have inclusive corners.
                boxes[(int)f[0]].Add(new BoxF((float)f[1], (float)f[2], (float)(f[3] - f[1] + 1), (float)(f[4] - f[2] + 1)));
            }

            return boxes;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (string? Path, string? Why) BuildOnce()
    {
        var source = Path.Combine(TestPaths.RepoRoot, "tools", "box-adapter", "hog-faces.cpp");
        var binary = Path.Combine(Path.GetTempPath(), "painstream-hog-faces", "hog-faces");
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= File.GetLastWriteTimeUtc(source))
        {
            return (binary, null);
        }

        if (!File.Exists("/usr/include/dlib/image_processing/frontal_face_detector.h"))
        {
            return (null, "dlib's HOG detector needs Debian libdlib-dev (/usr/include/dlib is missing)");
        }

        var gcc = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, "g++")));
        if (!gcc)
        {
            return (null, "dlib's HOG detector needs g++, which is not on PATH");
        }

        var start = new ProcessStartInfo(Path.Combine(TestPaths.RepoRoot, "tools", "box-adapter", "build")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(binary);
        var (exitCode, _, stderr) = RunProcess(start);

        // g++ and the headers are here, so a failed build is a real failure, not a reason to skip.
        return exitCode == 0
            ? (binary, null)
            : throw new InvalidOperationException($"tools/box-adapter/build failed ({exitCode}): {stderr}");
    }

    private static (int ExitCode, string Stdout, string Stderr) RunProcess(ProcessStartInfo start)
    {
        var stderr = new System.Text.StringBuilder();
        using var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        lock (stderr)
        {
            return (process.ExitCode, stdout, stderr.ToString());
        }
    }
}

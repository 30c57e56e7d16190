// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using PainStream.Core.Detection;
using PainStream.Testing;

namespace PainStream.Vision.Tests.Landmarks;

/// <summary>One face as the dlib reference program reports it.</summary>
/// <param name="Points">The unrounded landmarks (dlib's cascade, before its final rounding).</param>
/// <param name="DlibPoints">dlib's own integer landmarks.</param>
/// <param name="MillisecondsPerCall">Mean time of <c>sp(img, rect)</c> when iterations were asked for, else 0.</param>
internal sealed record DlibFace(PointF[] Points, PointF[] DlibPoints, double MillisecondsPerCall);

/// <summary>
/// Runs <c>tools/dlib-reference/landmarks</c> (dlib's C++ shape_predictor), building it into <c>artifacts/dlib-reference/</c>
/// with <c>tools/dlib-reference/build</c> when it is missing or older than its source.
/// </summary>
internal static class DlibReference
{
    private static readonly Lazy<(string? Path, string? Why)> Binary = new(BuildOnce);

    /// <summary>Gets the reference program, or skips the test with the reason it cannot be built.</summary>
    public static string RequireBinary()
    {
        var (path, why) = Binary.Value;
        Requires.Installed(path is not null, why ?? "dlib reference unavailable");
        return path!;
    }

    /// <summary>Runs the reference on <paramref name="image"/> for each box (dlib rectangles: integer, inclusive corners).</summary>
    public static IReadOnlyList<DlibFace> Run(TestImage image, IReadOnlyList<BoxF> boxes, int iterations = 0) =>
        Run([(image, boxes)], iterations);

    /// <summary>Runs the reference once (one model load) on several images, returning their faces in order.</summary>
    public static IReadOnlyList<DlibFace> Run(IReadOnlyList<(TestImage Image, IReadOnlyList<BoxF> Boxes)> images, int iterations = 0)
    {
        var binary = RequireBinary();
        var files = new List<string>();
        try
        {
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(TestPaths.Models, "dlib", "shape_predictor_68_face_landmarks.dat"));
            start.ArgumentList.Add(iterations.ToString(CultureInfo.InvariantCulture));
            var faceCount = 0;
            foreach (var (image, boxes) in images)
            {
                if (files.Count > 0)
                {
                    start.ArgumentList.Add("+");
                }

                var raw = Path.Combine(Path.GetTempPath(), $"painstream-dlib-{Environment.ProcessId}-{Guid.NewGuid():N}.bgr");
                files.Add(raw);
                using (var file = File.Create(raw))
                {
                    for (var y = 0; y < image.Height; y++)
                    {
                        file.Write(image.View.GetRow(y));
                    }
                }

                start.ArgumentList.Add(raw);
                start.ArgumentList.Add(image.Width.ToString(CultureInfo.InvariantCulture));
                start.ArgumentList.Add(image.Height.ToString(CultureInfo.InvariantCulture));
                foreach (var box in boxes)
                {
                    AssertIntegral(box);
                    start.ArgumentList.Add(((int)box.X).ToString(CultureInfo.InvariantCulture));
                    start.ArgumentList.Add(((int)box.Y).ToString(CultureInfo.InvariantCulture));
                    start.ArgumentList.Add(((int)(box.Right - 1)).ToString(CultureInfo.InvariantCulture));
                    start.ArgumentList.Add(((int)(box.Bottom - 1)).ToString(CultureInfo.InvariantCulture));
                    faceCount++;
                }
            }

            var (exitCode, stdout, stderr) = RunProcess(start);
            Assert.True(exitCode == 0, $"{binary} exited {exitCode}: {stderr}");
            return Parse(stdout, faceCount);
        }
        finally
        {
            foreach (var file in files)
            {
                File.Delete(file);
            }
        }
    }

    private static void AssertIntegral(BoxF box) =>
        Assert.True(
            box.X == MathF.Round(box.X) && box.Y == MathF.Round(box.Y) && box.Width == MathF.Round(box.Width) && box.Height == MathF.Round(box.Height),
            $"The dlib reference takes integer boxes; {box} is not one.");

    private static List<DlibFace> Parse(string stdout, int faceCount)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var faces = new List<DlibFace>();
        var at = 0;
        for (var k = 0; k < faceCount; k++)
        {
            var header = lines[at++].Split(' ');
            Assert.Equal("face", header[0]);
            var ms = double.Parse(header[3], CultureInfo.InvariantCulture);
            var points = new PointF[68];
            var dlib = new PointF[68];
            for (var i = 0; i < 68; i++)
            {
                var f = lines[at++].Split(' ');
                points[i] = new PointF(float.Parse(f[0], CultureInfo.InvariantCulture), float.Parse(f[1], CultureInfo.InvariantCulture));
                dlib[i] = new PointF(float.Parse(f[2], CultureInfo.InvariantCulture), float.Parse(f[3], CultureInfo.InvariantCulture));
            }

            faces.Add(new DlibFace(points, dlib, ms));
        }

        return faces;
    }

    private static (string? Path, string? Why) BuildOnce()
    {
        var root = TestPaths.RepoRoot;
        var source = Path.Combine(root, "tools", "dlib-reference", "landmarks.cpp");
        var binary = Path.Combine(root, "artifacts", "dlib-reference", "landmarks");
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= File.GetLastWriteTimeUtc(source))
        {
            return (binary, null);
        }

        if (!File.Exists("/usr/include/dlib/image_processing/shape_predictor.h"))
        {
            return (null, "The dlib reference needs Debian libdlib-dev (/usr/include/dlib is missing) and is not built at " + binary);
        }

        if (!OnPath("g++"))
        {
            return (null, "The dlib reference needs g++, which is not on PATH, and is not built at " + binary);
        }

        var start = new ProcessStartInfo(Path.Combine(root, "tools", "dlib-reference", "build"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var (exitCode, _, stderr) = RunProcess(start);

        // g++ and the headers are here, so a failed build is a real failure, not a reason to skip.
        return exitCode == 0
            ? (binary, null)
            : throw new InvalidOperationException($"tools/dlib-reference/build failed ({exitCode}): {stderr}");
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

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, name)));
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;

namespace PainStream.LoadTool;

/// <summary>A source resolution for the sweep.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
internal readonly record struct SourceSize(int Width, int Height)
{
    /// <summary>Parses <c>640x360</c>, or the shorthands <c>360</c>, <c>720</c>, <c>1080</c> (16:9).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The size.</returns>
    public static SourceSize Parse(string text)
    {
        var x = text.IndexOf('x', StringComparison.OrdinalIgnoreCase);
        if (x > 0)
        {
            return new SourceSize(int.Parse(text[..x], CultureInfo.InvariantCulture), int.Parse(text[(x + 1)..], CultureInfo.InvariantCulture));
        }

        var h = int.Parse(text, CultureInfo.InvariantCulture);
        return new SourceSize(h * 16 / 9, h);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}");
}

/// <summary>The load tool's settings, from the command line.</summary>
internal sealed class LoadOptions
{
    /// <summary>Gets the usage text.</summary>
    public const string Usage = """
        PainStream.LoadTool — whole-pipeline throughput and latency on local files.

        usage: PainStream.LoadTool [options]
          --seconds T            measured window per scenario (default 20)
          --warmup W             seconds discarded after start-up, per scenario (default 5); the pipeline then also
                                 waits until the daemon's JIT tiering thread is quiet (at most 60 s more)
          --cameras LIST         camera counts to sweep, comma-separated (default 1,2,4,8,16,32)
          --sizes LIST           source sizes, e.g. 640x360,1920x1080 or 360,1080 (default 640x360,1920x1080)
          --scenarios LIST       decode,pipeline,alert-latency (default decode,pipeline)
          --fps F                analysed frames per second per camera (default 5; all decode mode)
          --decode-mode M        all (every frame, fps filter) or keyframes (key frames only, Capture:DecodeMode;
                                 a camera holds at --min-fps-ratio x its keyframe rate) (default all)
          --gop S                key frame interval of the generated clips in seconds (default 2)
          --analysis WxH         analysis size ffmpeg scales to (default 640x360, the daemon's default)
          --pix-fmt F            decode-only scenario's output pixel format: bgr24 (the daemon's), yuv420p, nv12 or
                                 gray (default bgr24)
          --daemon-pix-fmt F     Capture:PixelFormat for the daemon in the pipeline and alert-latency scenarios:
                                 bgr24 or i420 (default: the daemon's default)
          --min-fps-ratio R      a camera holds when analysed fps >= R * fps (default 0.95)
          --max-drop-ratio R     and frames dropped <= R * frames captured (default 0.01)
          --no-early-stop        keep sweeping a size after a camera count fails
          --daemon PATH          the daemon's dll (default artifacts/painstream/painstream.dll)
          --detect-workers N     Detection:Workers for the daemon (default: the daemon's default)
          --redetect-every N     Detection:RedetectEveryFrames for the daemon (default: the daemon's default, 5;
                                 1 = detect every frame, as before issue 14)
          --ffmpeg PATH          ffmpeg executable (default ffmpeg)
          --clip-seconds S       length of the generated test clips (default 20)
          --legacy-clip          the earlier clip (whole photo at half height: no face found on the whole frame, so
                                 detection only); default: the demo clip's face sliding across, a face in every frame
          --out DIR              results directory (default bench/results)
          --repo DIR             repository root (default: found from the working directory)
          --quick                smoke test: --seconds 6 --warmup 2 --cameras 1,2 --sizes 640x360
                                 (alert-latency: --alert-cameras 1 --alert-seconds 30)

        alert-latency (capture -> alert PUBACK with dwell 0; the demo clip, see bench/README.md):
          --alert-cameras LIST   camera counts (default 1,4,32)
          --alert-seconds T      measured window per camera count (default 78: three loops of the default clip)
          --alert-phases K       time-shifted copies of the clip the cameras cycle through (default 8; 1 = all in step)
          --alert-neutral S      neutral seconds at each end of the clip (default 8)
          --alert-grimace S      grimace seconds in the middle (default 6)
          --alert-hold S         Alerting:HoldSeconds (default 1)
          --alert-baseline S     Scoring:BaselineMinSeconds (default 3)
          -h, --help             this text
        """;

    /// <summary>Gets the measured window per scenario.</summary>
    public double Seconds { get; private set; } = 20;

    /// <summary>Gets the warm-up per scenario.</summary>
    public double WarmupSeconds { get; private set; } = 5;

    /// <summary>Gets the camera counts to sweep.</summary>
    public IReadOnlyList<int> Cameras { get; private set; } = [1, 2, 4, 8, 16, 32];

    /// <summary>Gets the source sizes.</summary>
    public IReadOnlyList<SourceSize> Sizes { get; private set; } = [new(640, 360), new(1920, 1080)];

    /// <summary>Gets a value indicating whether the decode-only scenario runs.</summary>
    public bool RunDecode { get; private set; } = true;

    /// <summary>Gets a value indicating whether the full-daemon scenario runs.</summary>
    public bool RunPipeline { get; private set; } = true;

    /// <summary>Gets a value indicating whether the capture → alert-published scenario runs.</summary>
    public bool RunAlertLatency { get; private set; }

    /// <summary>Gets the camera counts of the alert-latency scenario.</summary>
    public IReadOnlyList<int> AlertCameras { get; private set; } = [1, 4, 32];

    /// <summary>Gets the alert-latency scenario's measured window.</summary>
    public double AlertSeconds { get; private set; } = 78;

    /// <summary>Gets the number of time-shifted copies of the demo clip.</summary>
    public int AlertPhases { get; private set; } = 8;

    /// <summary>Gets the demo clip's neutral seconds at each end.</summary>
    public double AlertNeutralSeconds { get; private set; } = 8;

    /// <summary>Gets the demo clip's grimace seconds.</summary>
    public double AlertGrimaceSeconds { get; private set; } = 6;

    /// <summary>Gets the daemon's <c>Alerting:HoldSeconds</c> in the alert-latency scenario.</summary>
    public double AlertHoldSeconds { get; private set; } = 1;

    /// <summary>Gets the daemon's <c>Scoring:BaselineMinSeconds</c> in the alert-latency scenario.</summary>
    public int AlertBaselineMinSeconds { get; private set; } = 3;

    /// <summary>Gets a value indicating whether the cameras decode key frames only (<c>Capture:DecodeMode=keyframes</c>).</summary>
    public bool Keyframes { get; private set; }

    /// <summary>Gets the key frame interval of the generated clips, in seconds.</summary>
    public double GopSeconds { get; private set; } = 2;

    /// <summary>Gets the frames per second a camera must deliver: <see cref="Fps"/>, or its keyframe rate in keyframes mode.</summary>
    public double TargetFps => Keyframes ? 1 / GopSeconds : Fps;

    /// <summary>Gets the analysed frames per second per camera.</summary>
    public double Fps { get; private set; } = 5;

    /// <summary>Gets the daemon's <c>Detection:RedetectEveryFrames</c>, or <see langword="null"/> for its default.</summary>
    public int? RedetectEveryFrames { get; private set; }

    /// <summary>Gets the daemon's <c>Capture:PixelFormat</c> (<c>bgr24</c> or <c>i420</c>), or <see langword="null"/> for its default.</summary>
    public string? DaemonPixelFormat { get; private set; }

    /// <summary>Gets a value indicating whether the sweep plays the earlier clip, whose face the detector does not find (detection only).</summary>
    public bool LegacyClip { get; private set; }

    /// <summary>Gets the analysis size.</summary>
    public SourceSize Analysis { get; private set; } = new(640, 360);

    /// <summary>Gets the decode-only scenario's output pixel format (ffmpeg's <c>-pix_fmt</c>).</summary>
    public string PixelFormat { get; private set; } = "bgr24";

    /// <summary>Gets the bytes of one analysis-size frame in <see cref="PixelFormat"/>.</summary>
    public int FrameBytes => PixelFormat switch
    {
        "gray" => Analysis.Width * Analysis.Height,
        "yuv420p" or "nv12" => Analysis.Width * Analysis.Height * 3 / 2,
        _ => Analysis.Width * Analysis.Height * 3,
    };

    /// <summary>Gets the fraction of the target fps a camera must reach.</summary>
    public double MinFpsRatio { get; private set; } = 0.95;

    /// <summary>Gets the largest tolerated fraction of dropped frames.</summary>
    public double MaxDropRatio { get; private set; } = 0.01;

    /// <summary>Gets a value indicating whether the sweep goes on after a failing camera count.</summary>
    public bool NoEarlyStop { get; private set; }

    /// <summary>Gets the daemon dll path (relative to the repository root unless absolute).</summary>
    public string DaemonDll { get; private set; } = "artifacts/painstream/painstream.dll";

    /// <summary>Gets the daemon's detect worker count, or <see langword="null"/> for its default.</summary>
    public int? DetectWorkers { get; private set; }

    /// <summary>Gets the ffmpeg executable.</summary>
    public string Ffmpeg { get; private set; } = "ffmpeg";

    /// <summary>Gets the length of the generated clips.</summary>
    public double ClipSeconds { get; private set; } = 20;

    /// <summary>Gets the results directory (relative to the repository root unless absolute).</summary>
    public string OutDir { get; private set; } = "bench/results";

    /// <summary>Gets the repository root.</summary>
    public string Repo { get; private set; } = string.Empty;

    /// <summary>Gets a value indicating whether help was asked for.</summary>
    public bool Help { get; private set; }

    /// <summary>Parses the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">An option is unknown or malformed.</exception>
    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        string? repo = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            double Number() => double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--seconds": o.Seconds = Number(); break;
                case "--warmup": o.WarmupSeconds = Number(); break;
                case "--cameras": o.Cameras = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--sizes": o.Sizes = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(SourceSize.Parse)]; break;
                case "--scenarios":
                    var set = Next().Split(',', StringSplitOptions.RemoveEmptyEntries);
                    o.RunDecode = set.Contains("decode");
                    o.RunPipeline = set.Contains("pipeline");
                    o.RunAlertLatency = set.Contains("alert-latency");
                    if (set.Except(["decode", "pipeline", "alert-latency"]).FirstOrDefault() is { } unknown)
                    {
                        throw new ArgumentException($"--scenarios takes decode, pipeline and alert-latency, not '{unknown}'.");
                    }

                    if (!o.RunDecode && !o.RunPipeline && !o.RunAlertLatency)
                    {
                        throw new ArgumentException("--scenarios takes decode, pipeline and alert-latency.");
                    }

                    break;
                case "--alert-cameras": o.AlertCameras = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--alert-seconds": o.AlertSeconds = Number(); break;
                case "--alert-phases": o.AlertPhases = (int)Number(); break;
                case "--alert-neutral": o.AlertNeutralSeconds = Number(); break;
                case "--alert-grimace": o.AlertGrimaceSeconds = Number(); break;
                case "--alert-hold": o.AlertHoldSeconds = Number(); break;
                case "--alert-baseline": o.AlertBaselineMinSeconds = (int)Number(); break;
                case "--fps": o.Fps = Number(); break;
                case "--decode-mode":
                    var mode = Next();
                    o.Keyframes = mode switch
                    {
                        "all" => false,
                        "keyframes" => true,
                        _ => throw new ArgumentException($"--decode-mode takes all or keyframes, not '{mode}'."),
                    };
                    break;
                case "--gop": o.GopSeconds = Number(); break;
                case "--analysis": o.Analysis = SourceSize.Parse(Next()); break;
                case "--legacy-clip": o.LegacyClip = true; break;
                case "--pix-fmt":
                    var format = Next();
                    o.PixelFormat = format is "bgr24" or "yuv420p" or "nv12" or "gray"
                        ? format
                        : throw new ArgumentException($"--pix-fmt takes bgr24, yuv420p, nv12 or gray, not '{format}'.");
                    break;
                case "--daemon-pix-fmt":
                    var daemonFormat = Next();
                    o.DaemonPixelFormat = daemonFormat is "bgr24" or "i420"
                        ? daemonFormat
                        : throw new ArgumentException($"--daemon-pix-fmt takes bgr24 or i420, not '{daemonFormat}'.");
                    break;
                case "--redetect-every": o.RedetectEveryFrames = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--min-fps-ratio": o.MinFpsRatio = Number(); break;
                case "--max-drop-ratio": o.MaxDropRatio = Number(); break;
                case "--no-early-stop": o.NoEarlyStop = true; break;
                case "--daemon": o.DaemonDll = Next(); break;
                case "--detect-workers": o.DetectWorkers = (int)Number(); break;
                case "--ffmpeg": o.Ffmpeg = Next(); break;
                case "--clip-seconds": o.ClipSeconds = Number(); break;
                case "--out": o.OutDir = Next(); break;
                case "--repo": repo = Next(); break;
                case "--quick":
                    o.Seconds = 6;
                    o.WarmupSeconds = 2;
                    o.Cameras = [1, 2];
                    o.Sizes = [new(640, 360)];
                    o.AlertCameras = [1];
                    o.AlertSeconds = 30;
                    break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        if (o.GopSeconds * 25 < 1 || o.GopSeconds > 60)
        {
            throw new ArgumentException("--gop must be between 0.04 and 60 seconds.");
        }

        if (o.Seconds <= 0 || o.WarmupSeconds < 0 || o.Fps <= 0 || o.Cameras.Count == 0 || o.Cameras.Any(n => n < 1))
        {
            throw new ArgumentException("--seconds, --fps and --cameras must be positive, --warmup not negative.");
        }

        if (o.AlertSeconds <= 0 || o.AlertPhases < 1 || o.AlertCameras.Count == 0 || o.AlertCameras.Any(n => n < 1)
            || o.AlertNeutralSeconds < 1 || o.AlertGrimaceSeconds < 1 || o.AlertHoldSeconds < 0 || o.AlertBaselineMinSeconds < 1)
        {
            throw new ArgumentException("--alert-seconds, --alert-phases, --alert-cameras, --alert-baseline must be positive, --alert-neutral and --alert-grimace at least 1, --alert-hold not negative.");
        }

        o.Repo = Path.GetFullPath(repo ?? FindRepo());
        o.DaemonDll = Path.GetFullPath(o.DaemonDll, o.Repo);
        o.OutDir = Path.GetFullPath(o.OutDir, o.Repo);
        return o;
    }

    private static string FindRepo()
    {
        var home = Environment.GetEnvironmentVariable("PAINSTREAM_HOME");
        if (!string.IsNullOrEmpty(home) && File.Exists(Path.Combine(home, "PainStream.sln")))
        {
            return home;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PainStream.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new ArgumentException("Cannot find the repository root (PainStream.sln): pass --repo or set PAINSTREAM_HOME.");
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Tools.Synthesis;

/// <summary>How <see cref="DemoClipBuilder"/> frames and times a demo clip.</summary>
/// <remarks>
/// The timeline is neutral (<see cref="NeutralSeconds"/>) → ramp (<see cref="RampSeconds"/>) to the full grimace → hold
/// (<see cref="GrimaceSeconds"/>, the eyes squeezed shut between <see cref="EyesClosedFrom"/> and <see cref="EyesClosedTo"/>
/// of it) → ramp back (<see cref="RampSeconds"/>) → neutral (<see cref="TrailingNeutralSeconds"/>); see <see cref="DemoClipTimeline"/>.
/// The defaults fit one whole episode into the first minute under the default alerting: 12 s of neutral face cover the
/// 10 s baseline learning; 18 s of grimace outlast the smoothing lag (≈ 3.5 s on the way up, the same on the way down)
/// plus the 15 s dwell with ≈ 4 s to spare (alert <c>new</c> ≈ 33 s after start); the trailing 20 s of neutral face plus
/// the next loop's 12 s outlast the smoothing lag plus the 20 s hold with ≈ 8 s to spare (<c>end</c> ≈ 58 s).
/// Measured with README command 1.
/// </remarks>
public sealed record DemoClipOptions
{
    /// <summary>Gets the output width in pixels (even, for yuv420p). <value>The default value is 640.</value></summary>
    public int Width { get; init; } = 640;

    /// <summary>Gets the output height in pixels (even, for yuv420p). <value>The default value is 360.</value></summary>
    public int Height { get; init; } = 360;

    /// <summary>Gets the frame rate. <value>The default value is 10.</value></summary>
    public int Fps { get; init; } = 10;

    /// <summary>Gets the neutral time before the grimace, and again after it, in seconds. <value>The default value is 12.</value></summary>
    public double NeutralSeconds { get; init; } = 12;

    /// <summary>
    /// Gets the neutral time after the grimace, in seconds; <see langword="null"/> for <see cref="NeutralSeconds"/>.
    /// <value>The default value is 20.</value>
    /// </summary>
    public double? TrailingNeutralSeconds { get; init; } = 20;

    /// <summary>Gets the time to ramp from neutral to the full grimace, and back, in seconds. <value>The default value is 1.</value></summary>
    public double RampSeconds { get; init; } = 1;

    /// <summary>Gets how long the full grimace is held, in seconds. <value>The default value is 18.</value></summary>
    public double GrimaceSeconds { get; init; } = 18;

    /// <summary>Gets where in the hold (0–1) the eyes start closing. <value>The default value is 0.4.</value></summary>
    public double EyesClosedFrom { get; init; } = 0.4;

    /// <summary>Gets where in the hold (0–1) the eyes are open again. <value>The default value is 0.8.</value></summary>
    public double EyesClosedTo { get; init; } = 0.8;

    /// <summary>Gets how long the eyes take to close, and to open again, in seconds. <value>The default value is 0.5.</value></summary>
    public double EyesCloseSeconds { get; init; } = 0.5;

    /// <summary>
    /// Gets the width of the detector's face box in the output, in pixels: the face image is scaled so that its face has this
    /// width, then cropped (or letterboxed with black) to the output size around the face. 200 px on a 640×360 frame is
    /// found by the daemon's default detector (BlazeFace front 128 on the whole frame), which misses faces of about 120 px.
    /// <value>The default value is 200.</value>
    /// </summary>
    public float FaceWidth { get; init; } = 200;

    /// <summary>Gets the smallest detector score accepted for the face. <value>The default value is 0.6.</value></summary>
    public float MinFaceScore { get; init; } = 0.6f;

    /// <summary>Gets the ffmpeg executable (a path or a name on PATH). <value>The default value is <c>ffmpeg</c>.</value></summary>
    public string FfmpegPath { get; init; } = "ffmpeg";

    /// <summary>Returns the problems with these options, one message per bad value; empty when they are valid.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Width < 64 || Width > 4096 || Width % 2 != 0 || Height < 64 || Height > 4096 || Height % 2 != 0)
        {
            problems.Add($"the output size {Width}x{Height} must be even and within 64–4096 pixels");
        }

        if (Fps < 1 || Fps > 60)
        {
            problems.Add($"the frame rate {Fps} must be within 1–60");
        }

        Check(problems, "neutral", NeutralSeconds, allowZero: true);
        Check(problems, "trailing neutral", TrailingNeutralSeconds ?? NeutralSeconds, allowZero: true);
        Check(problems, "ramp", RampSeconds, allowZero: true);
        Check(problems, "grimace", GrimaceSeconds, allowZero: false);
        Check(problems, "eye-closing", EyesCloseSeconds, allowZero: true);
        if (!(EyesClosedFrom >= 0 && EyesClosedFrom <= EyesClosedTo && EyesClosedTo <= 1))
        {
            problems.Add($"the eyes-closed part of the hold ({EyesClosedFrom}–{EyesClosedTo}) must satisfy 0 ≤ from ≤ to ≤ 1");
        }

        if (!(FaceWidth >= 32) || FaceWidth > Math.Min(Width, Height))
        {
            problems.Add($"the face width {FaceWidth} must be within 32 px and the output's shorter side");
        }

        if (!(MinFaceScore > 0 && MinFaceScore < 1))
        {
            problems.Add($"the minimum face score {MinFaceScore} must be within (0, 1)");
        }

        if (string.IsNullOrWhiteSpace(FfmpegPath))
        {
            problems.Add("the ffmpeg path must not be empty");
        }

        return problems;
    }

    private static void Check(List<string> problems, string name, double seconds, bool allowZero)
    {
        // An hour is far more than a demo needs and keeps the frame count well inside an int.
        if (!double.IsFinite(seconds) || seconds < 0 || (!allowZero && seconds == 0) || seconds > 3600)
        {
            problems.Add(allowZero ? $"the {name} time {seconds} s must be within 0–3600 s" : $"the {name} time {seconds} s must be above 0 and at most 3600 s");
        }
    }
}

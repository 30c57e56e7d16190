// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Tools.Synthesis;

/// <summary>The phases of a demo clip.</summary>
public enum DemoClipPhase
{
    /// <summary>The neutral face before the grimace.</summary>
    NeutralBefore,

    /// <summary>Ramping from neutral to the full grimace.</summary>
    RampUp,

    /// <summary>Holding the full grimace (the eyes close for part of it).</summary>
    Hold,

    /// <summary>Ramping from the full grimace back to neutral.</summary>
    RampDown,

    /// <summary>The neutral face after the grimace.</summary>
    NeutralAfter,
}

/// <summary>
/// Which <see cref="GrimaceShape"/> each frame of a demo clip shows: neutral → ramp → full grimace (brow lowered, eyes
/// narrowed, upper lip raised; the eyes squeezed shut for part of the hold) → ramp back → neutral.
/// </summary>
/// <remarks>
/// Each phase lasts its time in <see cref="DemoClipOptions"/> rounded to whole frames. Ramps ease in and out (smoothstep),
/// so the face starts and stops moving gently; the eyes close and open over <see cref="DemoClipOptions.EyesCloseSeconds"/>
/// with the same easing. Immutable and thread-safe.
/// </remarks>
public sealed class DemoClipTimeline
{
    private readonly int _closeStart;
    private readonly int _closeEnd;
    private readonly int _closeFrames;

    /// <summary>Initializes a new instance of the <see cref="DemoClipTimeline"/> class.</summary>
    /// <param name="options">The durations and frame rate.</param>
    /// <exception cref="ArgumentException">The options are invalid (<see cref="DemoClipOptions.Validate"/>).</exception>
    public DemoClipTimeline(DemoClipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid demo clip options: " + string.Join("; ", problems), nameof(options));
        }

        Fps = options.Fps;
        NeutralFrames = Frames(options.NeutralSeconds, Fps);
        TrailingNeutralFrames = Frames(options.TrailingNeutralSeconds ?? options.NeutralSeconds, Fps);
        RampFrames = Frames(options.RampSeconds, Fps);
        HoldFrames = Math.Max(1, Frames(options.GrimaceSeconds, Fps));
        FrameCount = NeutralFrames + (2 * RampFrames) + HoldFrames + TrailingNeutralFrames;
        _closeStart = (int)Math.Round(options.EyesClosedFrom * HoldFrames);
        _closeEnd = (int)Math.Round(options.EyesClosedTo * HoldFrames);
        _closeFrames = Frames(options.EyesCloseSeconds, Fps);
    }

    /// <summary>Gets the frame rate.</summary>
    public int Fps { get; }

    /// <summary>Gets the number of frames of the neutral phase before the grimace.</summary>
    public int NeutralFrames { get; }

    /// <summary>Gets the number of frames of the neutral phase after the grimace.</summary>
    public int TrailingNeutralFrames { get; }

    /// <summary>Gets the number of frames of each ramp.</summary>
    public int RampFrames { get; }

    /// <summary>Gets the number of frames of the hold.</summary>
    public int HoldFrames { get; }

    /// <summary>Gets the total number of frames.</summary>
    public int FrameCount { get; }

    /// <summary>Gets the clip's duration.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)FrameCount / Fps);

    /// <summary>Gets the phase of a frame.</summary>
    /// <param name="frame">The frame index, 0 to <see cref="FrameCount"/> − 1.</param>
    /// <returns>The phase.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frame"/> is out of range.</exception>
    public DemoClipPhase PhaseAt(int frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, FrameCount);
        var at = frame;
        if (at < NeutralFrames)
        {
            return DemoClipPhase.NeutralBefore;
        }

        at -= NeutralFrames;
        if (at < RampFrames)
        {
            return DemoClipPhase.RampUp;
        }

        at -= RampFrames;
        if (at < HoldFrames)
        {
            return DemoClipPhase.Hold;
        }

        at -= HoldFrames;
        return at < RampFrames ? DemoClipPhase.RampDown : DemoClipPhase.NeutralAfter;
    }

    /// <summary>Gets the grimace a frame shows.</summary>
    /// <param name="frame">The frame index, 0 to <see cref="FrameCount"/> − 1.</param>
    /// <returns>The shape: <see cref="GrimaceShape.Neutral"/> in the neutral phases, <see cref="GrimaceShape.FullGrimace"/>
    /// (plus <see cref="GrimaceShape.EyeClose"/> for part of it) in the hold.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frame"/> is out of range.</exception>
    public GrimaceShape ShapeAt(int frame)
    {
        var rampUpStart = NeutralFrames;
        var holdStart = rampUpStart + RampFrames;
        var rampDownStart = holdStart + HoldFrames;
        return PhaseAt(frame) switch
        {
            // Ramp frame k of n shows (k + 1) / n: the last ramp frame is the full grimace, the first is already moving.
            DemoClipPhase.RampUp => GrimaceShape.Lerp(GrimaceShape.Neutral, GrimaceShape.FullGrimace, Ease((frame - rampUpStart + 1f) / RampFrames)),
            DemoClipPhase.Hold => GrimaceShape.FullGrimace with { EyeClose = EyeClosure(frame - holdStart) },
            DemoClipPhase.RampDown => GrimaceShape.Lerp(GrimaceShape.FullGrimace, GrimaceShape.Neutral, Ease((frame - rampDownStart + 1f) / RampFrames)),
            _ => GrimaceShape.Neutral,
        };
    }

    private static int Frames(double seconds, int fps) => (int)Math.Round(seconds * fps, MidpointRounding.AwayFromZero);

    /// <summary>Smoothstep: 3t² − 2t³, zero slope at both ends.</summary>
    private static float Ease(float t)
    {
        t = Math.Clamp(t, 0f, 1f);
        return t * t * (3 - (2 * t));
    }

    private float EyeClosure(int holdFrame)
    {
        if (holdFrame < _closeStart || holdFrame >= _closeEnd)
        {
            return 0;
        }

        if (_closeFrames == 0)
        {
            return 1;
        }

        // Closing over the first frames of the closed span, opening over its last ones.
        var closing = (holdFrame - _closeStart + 1f) / _closeFrames;
        var opening = (_closeEnd - holdFrame) / (float)_closeFrames;
        return Ease(MathF.Min(closing, opening));
    }
}

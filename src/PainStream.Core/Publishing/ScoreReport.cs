// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Frames;

namespace PainStream.Core.Publishing;

/// <summary>One bed's score, published on <c>painstream/&lt;camera&gt;/&lt;bed&gt;/score</c>.</summary>
/// <param name="Camera">The camera.</param>
/// <param name="Bed">The bed name.</param>
/// <param name="Ts">When the scored frame was captured.</param>
/// <param name="Pspi">The raw score, or <see langword="null"/> when the face could not be scored.</param>
/// <param name="Smoothed">The smoothed score, or <see langword="null"/> while unknown.</param>
/// <param name="State">The bed's pain alert state.</param>
/// <param name="Confidence">Confidence of the raw score, 0–1.</param>
/// <param name="Quality"><c>ok</c>, or why the face cannot be scored (e.g. <c>head turned away</c>, <c>no face</c>).</param>
/// <param name="Scorer">The scorer name (e.g. <c>geometric</c>).</param>
/// <param name="Scale">The scale of <paramref name="Pspi"/> and <paramref name="Smoothed"/> (FLACC 0–10 for an infant bed).</param>
public sealed record ScoreReport(
    CameraId Camera,
    string Bed,
    DateTimeOffset Ts,
    double? Pspi,
    double? Smoothed,
    PainAlertState State,
    double Confidence,
    string Quality,
    string Scorer,
    ScoreScale Scale = ScoreScale.Pspi);

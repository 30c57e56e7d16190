// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;

namespace PainStream.Core.Alerting;

/// <summary>
/// Thresholds and timings of the per-patient alert state machine (<see cref="PatientAlertMachine"/>) and its smoother
/// (<see cref="ScoreSmoother"/>). Immutable: a hot reload builds a new instance and hands it to
/// <see cref="PatientAlertMachine.UpdatePolicy"/>.
/// </summary>
public sealed record AlertPolicy
{
    /// <summary>Gets the policy with every default value.</summary>
    public static AlertPolicy Default { get; } = new();

    /// <summary>
    /// Gets the scale of the bed's scores and of <see cref="OnThreshold"/>, <see cref="OffThreshold"/> and
    /// <see cref="PeakUpdateStep"/>: PSPI 0–16 for adult beds, FLACC 0–10 for infant beds.
    /// </summary>
    /// <value>The default value is <see cref="ScoreScale.Pspi"/>.</value>
    public ScoreScale Scale { get; init; } = ScoreScale.Pspi;

    /// <summary>Gets the highest score of <see cref="Scale"/> (16 or 10).</summary>
    public double MaxScore => Scale.Max();

    /// <summary>Gets the smoothed score (on <see cref="Scale"/>) at or above which a patient may be in pain (Idle → Pending).</summary>
    /// <value>The default value is 4.</value>
    public double OnThreshold { get; init; } = 4;

    /// <summary>
    /// Gets the smoothed score below which pain is considered gone (Pending → Idle, Active → Ending). Must be less than
    /// <see cref="OnThreshold"/>: the gap is the hysteresis that stops a score hovering at the threshold from flapping.
    /// </summary>
    /// <value>The default value is 2.5.</value>
    public double OffThreshold { get; init; } = 2.5;

    /// <summary>
    /// Gets how long the smoothed score must stay at or above <see cref="OffThreshold"/> after first reaching
    /// <see cref="OnThreshold"/> before the alert is raised (the annunciation delay; ~15 s cuts non-actionable alarms by ~60 %).
    /// </summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan Dwell { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets how long the smoothed score must stay below <see cref="OffThreshold"/> before an active episode ends.</summary>
    /// <value>The default value is 20 seconds.</value>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Gets the interval at which a still-active episode is announced again (an <see cref="AlertEventType.Update"/> with
    /// raised priority that also clears the acknowledgement).
    /// </summary>
    /// <value>The default value is 10 minutes.</value>
    public TimeSpan ReAlertInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets how long an unacknowledged active episode keeps a priority before it is raised one step (Low → Medium → High).</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan EscalateAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets the scorer confidence (0–1) below which a sample is ignored.</summary>
    /// <value>The default value is 0.5.</value>
    public double MinConfidence { get; init; } = 0.5;

    /// <summary>Gets the window of the median filter that removes single-frame spikes.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan SmoothingWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the time constant of the exponential moving average applied after the median (zero disables it).</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan SmoothingTimeConstant { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets how much the episode's peak must rise above the last announced peak to send an update.</summary>
    /// <value>The default value is 1 PSPI point.</value>
    public double PeakUpdateStep { get; init; } = 1;

    /// <summary>Gets how long an online camera may go without a scorable face before a <see cref="AlertReason.FaceNotVisible"/> alarm.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan FaceNotVisibleAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets how long an open pain episode may go without an accepted sample before it ends with
    /// <see cref="AlertCause.NoEvidence"/>. The clock stands still while the camera is offline or the scorer fails, so an
    /// unanswered pain alert keeps escalating through a technical fault.
    /// </summary>
    /// <value>The default value is 30 minutes.</value>
    public TimeSpan NoEvidenceAfter { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Checks every field and the relations between them.</summary>
    /// <returns>One message per problem, each starting with the property name; empty when the policy is valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        CheckRange(problems, nameof(OnThreshold), OnThreshold, 0, MaxScore);
        CheckRange(problems, nameof(OffThreshold), OffThreshold, 0, MaxScore);
        if (OffThreshold >= OnThreshold)
        {
            problems.Add(Invariant($"{nameof(OffThreshold)} ({OffThreshold}) must be less than {nameof(OnThreshold)} ({OnThreshold})"));
        }

        CheckNotNegative(problems, nameof(Dwell), Dwell);
        CheckNotNegative(problems, nameof(Hold), Hold);
        CheckPositive(problems, nameof(ReAlertInterval), ReAlertInterval);
        CheckPositive(problems, nameof(EscalateAfter), EscalateAfter);
        CheckRange(problems, nameof(MinConfidence), MinConfidence, 0, 1);
        CheckPositive(problems, nameof(SmoothingWindow), SmoothingWindow);
        CheckNotNegative(problems, nameof(SmoothingTimeConstant), SmoothingTimeConstant);
        CheckRange(problems, nameof(PeakUpdateStep), PeakUpdateStep, double.Epsilon, MaxScore);
        CheckPositive(problems, nameof(FaceNotVisibleAfter), FaceNotVisibleAfter);
        CheckPositive(problems, nameof(NoEvidenceAfter), NoEvidenceAfter);
        return problems;
    }

    /// <summary>Throws when <see cref="Validate"/> finds a problem.</summary>
    /// <exception cref="ArgumentException">The policy is invalid; the message lists every problem.</exception>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid alert policy: " + string.Join("; ", problems));
        }
    }

    private static void CheckRange(List<string> problems, string name, double value, double min, double max)
    {
        // Written so that NaN fails too.
        if (!(value >= min && value <= max))
        {
            problems.Add(Invariant($"{name} ({value}) must be between {min} and {max}"));
        }
    }

    private static void CheckNotNegative(List<string> problems, string name, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            problems.Add(Invariant($"{name} ({value}) must not be negative"));
        }
    }

    private static void CheckPositive(List<string> problems, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add(Invariant($"{name} ({value}) must be positive"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

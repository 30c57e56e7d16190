// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Alerting;

/// <summary>One pain score for one patient, as the scorer produced it.</summary>
/// <param name="Pspi">The score on the scorer's <see cref="Scoring.IPatientScorer.Scale"/>: PSPI 0–16 for adult scorers, FLACC 0–10 for the
/// infant scorer (the name is historical); ignored when <paramref name="CannotScoreReason"/> is set.</param>
/// <param name="Confidence">
/// How far the score can be trusted, on the one scale every scorer uses (<see cref="ConfidenceScale"/>): 0–1, the chance that
/// the score lies within one pain class of the truth. 0.5 (the default <c>Alerting:MinConfidence</c>) is the borderline.
/// </param>
/// <param name="CannotScoreReason">Why no score could be produced (face too small, turned away …), or <see langword="null"/>.</param>
public readonly record struct ScoreSample(double Pspi, double Confidence, string? CannotScoreReason = null)
{
    /// <summary>Gets a value indicating whether the sample carries a usable score (no reason given and a finite value).</summary>
    public bool IsScorable => CannotScoreReason is null && double.IsFinite(Pspi) && double.IsFinite(Confidence);

    /// <summary>A sample for a face that could not be scored; never treated as pain 0.</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The sample.</returns>
    public static ScoreSample CannotScore(string reason) => new(double.NaN, 0, reason);
}

/// <summary>
/// The one confidence scale of every scorer, so that one <c>Alerting:MinConfidence</c> serves them all (issue 12 item 4).
/// </summary>
/// <remarks>
/// <para>
/// <b>Meaning.</b> A confidence <c>c</c> in 0–1 is the chance that the reported score lies within one pain class of the
/// truth (one step of the model's class scheme, e.g. <c>da5</c>: PSPI 0 | 1 | 2–3 | 4–6 | 7–16). 1: the measurement is as
/// good as it gets; 0.5: a coin toss whether it is off by more than a class, the default <c>MinConfidence</c>, below which
/// a sample is published but not used by smoothing and alerting; 0: no usable measurement.
/// </para>
/// <para>
/// <b>Geometric scorer.</b> The landmark proxies are exact on a frontal, large face and degrade with head turn and face size,
/// so its confidence is the face quality: a quadratic fall-off with yaw and pitch towards the gate's limits times a size
/// factor (0.25 at the minimum inter-ocular distance to 1 at 40 px). It is an estimate of the meaning above, not a
/// calibrated probability: on the fixture faces, frontal faces read 0.9–1.0 and faces turned past about 21° (or under 24 px)
/// fall below 0.5, which is where the proxies' errors exceed a class.
/// </para>
/// <para>
/// <b>Learned models.</b> A model outputs calibrated class probabilities <c>p_k</c> (softmax with the manifest's
/// temperature). Its confidence is the probability mass of the predicted class and its neighbours on the pain scale, Σ p_k
/// over the classes at most one step from the arg-max: by the model's own calibration exactly "the chance the true class is
/// within one class of the prediction". The top class probability alone (chance level 1/K) meant something else: a
/// neutral face split between "no pain" and "trace" read 0.4 and was ignored at the default <c>MinConfidence</c>.
/// </para>
/// </remarks>
public static class ConfidenceScale
{
    /// <summary>The default <c>Alerting:MinConfidence</c>: the borderline of the scale.</summary>
    public const double Borderline = 0.5;

    /// <summary>
    /// A learned model's confidence: the probability of the predicted class and of the classes at most one step from it,
    /// with the classes ordered by their value on the pain scale.
    /// </summary>
    /// <param name="probabilities">The class probabilities (summing to 1).</param>
    /// <param name="classValues">Each class's value on the pain scale (any order).</param>
    /// <param name="predicted">The predicted class (arg-max).</param>
    /// <returns>The confidence, 0–1.</returns>
    public static double FromClassProbabilities(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> classValues, int predicted)
    {
        if (probabilities.Length != classValues.Length || (uint)predicted >= (uint)probabilities.Length)
        {
            throw new ArgumentException("One value per class probability, and a predicted class among them, are needed.", nameof(classValues));
        }

        // The rank of a class on the pain scale: how many classes have a lower value.
        var centre = Rank(classValues, predicted);
        double sum = 0;
        for (var k = 0; k < probabilities.Length; k++)
        {
            if (Math.Abs(Rank(classValues, k) - centre) <= 1)
            {
                sum += probabilities[k];
            }
        }

        return Math.Clamp(sum, 0, 1);
    }

    private static int Rank(ReadOnlySpan<float> values, int k)
    {
        var rank = 0;
        for (var j = 0; j < values.Length; j++)
        {
            if (values[j] < values[k] || (values[j] == values[k] && j < k))
            {
                rank++;
            }
        }

        return rank;
    }
}

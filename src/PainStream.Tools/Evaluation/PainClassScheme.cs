// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using PainStream.Core.Alerting;

namespace PainStream.Tools.Evaluation;

/// <summary>One class of a <see cref="PainClassScheme"/>: an inclusive PSPI range.</summary>
/// <param name="Label">The class label, e.g. <c>"2-3"</c>.</param>
/// <param name="PspiMin">The smallest PSPI in the class.</param>
/// <param name="PspiMax">The largest PSPI in the class.</param>
/// <param name="Value">The PSPI value that stands for the class in an expected PSPI (the range's midpoint unless a manifest says otherwise).</param>
public sealed record PainClass(string Label, int PspiMin, int PspiMax, double Value);

/// <summary>
/// A class scheme over PSPI 0–16 (docs/model-contract.md, DESIGN.md §4): <c>gla4</c> (GLA-CNN, seed 000),
/// <c>da5</c> (DA-CNN, seed 001), <c>res7</c> (ResNet-18, seed 002).
/// </summary>
/// <remarks>
/// <para>
/// A PSPI that is not an integer (a dataset may give one, the geometric scorer always does) belongs to the class whose
/// range holds <c>floor(pspi + 0.5)</c>: round half up, the same as <c>numpy.floor(x + 0.5)</c>, so the C# and the
/// Python side put 2.5 in the same class (Python's <c>round</c> would round half to even).
/// </para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class PainClassScheme
{

    private static readonly PainClassScheme Gla4Scheme = Create("gla4", (0, 0), (1, 1), (2, 2), (3, 16));
    private static readonly PainClassScheme Da5Scheme = Create("da5", (0, 0), (1, 1), (2, 3), (4, 6), (7, 16));
    private static readonly PainClassScheme Res7Scheme = Create("res7", (0, 0), (1, 2), (3, 4), (5, 6), (7, 9), (10, 12), (13, 16));

    private readonly PainClass[] _classes;
    private readonly int[] _classOfPspi;

    private PainClassScheme(string name, PainClass[] classes)
    {
        Name = name;
        _classes = classes;
        _classOfPspi = new int[ScoreScales.MaxPspi + 1];
        for (var k = 0; k < classes.Length; k++)
        {
            for (var p = classes[k].PspiMin; p <= classes[k].PspiMax; p++)
            {
                _classOfPspi[p] = k;
            }
        }
    }

    /// <summary>Gets the GLA-CNN scheme: 0 | 1 | 2 | 3–16.</summary>
    public static PainClassScheme Gla4 => Gla4Scheme;

    /// <summary>Gets the DA-CNN scheme: 0 | 1 | 2–3 | 4–6 | 7–16.</summary>
    public static PainClassScheme Da5 => Da5Scheme;

    /// <summary>Gets the ResNet-18 scheme: 0 | 1–2 | 3–4 | 5–6 | 7–9 | 10–12 | 13–16.</summary>
    public static PainClassScheme Res7 => Res7Scheme;

    /// <summary>Gets the names of the built-in schemes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["gla4", "da5", "res7"];

    /// <summary>Gets the scheme's name (<c>gla4</c>, <c>da5</c>, <c>res7</c>).</summary>
    public string Name { get; }

    /// <summary>Gets the classes in order (class index = position).</summary>
    public IReadOnlyList<PainClass> Classes => _classes;

    /// <summary>Gets the number of classes.</summary>
    public int Count => _classes.Length;

    /// <summary>Finds a built-in scheme by name.</summary>
    /// <param name="name">The name (case-sensitive, as in manifests).</param>
    /// <param name="scheme">The scheme, or <see langword="null"/>.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryGet(string? name, out PainClassScheme scheme)
    {
        scheme = name switch
        {
            "gla4" => Gla4Scheme,
            "da5" => Da5Scheme,
            "res7" => Res7Scheme,
            _ => null!,
        };
        return scheme is not null;
    }

    /// <summary>
    /// Builds a scheme from a model's classes (its manifest's <c>classes</c>, in order), keeping each class's PSPI value, so
    /// the evaluation's expected PSPI is the daemon's. The ranges must be whole numbers that cover PSPI 0–16 without gaps:
    /// the evaluation puts every labelled PSPI into exactly one class.
    /// </summary>
    /// <param name="name">The scheme's name (the manifest's <c>scheme</c>, or e.g. <c>custom</c>).</param>
    /// <param name="classes">Each class's inclusive PSPI range, its value and an optional label.</param>
    /// <param name="scheme">The scheme, or <see langword="null"/>.</param>
    /// <param name="error">Why the classes do not make a scheme, naming the class.</param>
    /// <returns>Whether the classes make a scheme.</returns>
    public static bool TryCreate(string name, IReadOnlyList<(double PspiMin, double PspiMax, double Value, string? Label)> classes, out PainClassScheme scheme, out string error)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(classes);
        scheme = null!;
        error = string.Empty;
        if (classes.Count < 2)
        {
            error = $"{classes.Count} class(es); a scheme needs at least 2";
            return false;
        }

        var built = new PainClass[classes.Count];
        var next = 0;
        for (var k = 0; k < classes.Count; k++)
        {
            var (min, max, value, label) = classes[k];
            if (min != Math.Floor(min) || max != Math.Floor(max))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"classes[{k}]: PSPI range {min}–{max} is not whole numbers");
                return false;
            }

            if (min != next || max < min || max > ScoreScales.MaxPspi)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"classes[{k}]: PSPI range {min}–{max}, expected it to start at {next} (the classes must cover 0–{ScoreScales.MaxPspi} in order, without gaps)");
                return false;
            }

            if (!(value >= min && value <= max))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"classes[{k}]: value {value} lies outside {min}–{max}");
                return false;
            }

            var (lo, hi) = ((int)min, (int)max);
            built[k] = new PainClass(
                string.IsNullOrWhiteSpace(label) ? (lo == hi ? lo.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{lo}-{hi}")) : label,
                lo,
                hi,
                value);
            next = hi + 1;
        }

        if (next != ScoreScales.MaxPspi + 1)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"classes end at PSPI {next - 1}; they must cover 0–{ScoreScales.MaxPspi}");
            return false;
        }

        scheme = new PainClassScheme(name, built);
        return true;
    }

    /// <summary>Rounds a PSPI the way class assignment does: <c>floor(pspi + 0.5)</c>, clamped to 0–16.</summary>
    /// <param name="pspi">A PSPI value (finite).</param>
    /// <returns>The integer PSPI.</returns>
    public static int RoundPspi(double pspi) => (int)Math.Clamp(Math.Floor(pspi + 0.5), 0, ScoreScales.MaxPspi);

    /// <summary>Gets the class of a PSPI value (see the remarks for non-integer values).</summary>
    /// <param name="pspi">The PSPI, 0–16 (values outside are clamped).</param>
    /// <returns>The class index.</returns>
    public int ClassOf(double pspi) => _classOfPspi[RoundPspi(pspi)];

    /// <summary>Gets the expected PSPI of class probabilities: Σ pₖ · valueₖ (docs/model-contract.md).</summary>
    /// <param name="probabilities">One probability per class.</param>
    /// <returns>The expected PSPI.</returns>
    public double ExpectedPspi(ReadOnlySpan<double> probabilities)
    {
        if (probabilities.Length != _classes.Length)
        {
            throw new ArgumentException($"Scheme {Name} has {_classes.Length} classes, got {probabilities.Length} probabilities.", nameof(probabilities));
        }

        var sum = 0.0;
        for (var k = 0; k < probabilities.Length; k++)
        {
            sum += probabilities[k] * _classes[k].Value;
        }

        return sum;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        Name + ": " + string.Join(" | ", _classes.Select(c => c.Label));

    private static PainClassScheme Create(string name, params (int Min, int Max)[] ranges) =>
        new(name, [.. ranges.Select(r => new PainClass(
            r.Min == r.Max ? r.Min.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{r.Min}-{r.Max}"),
            r.Min,
            r.Max,
            (r.Min + r.Max) / 2.0))]);
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PainStream.Tools.Evaluation;

/// <summary>A dataset item that was not scored.</summary>
/// <param name="Line">Its line in <c>labels.csv</c>.</param>
/// <param name="Path">Its path.</param>
/// <param name="Subject">Its subject.</param>
/// <param name="Reason">Why: no face, unreadable image, or the scorer's reason.</param>
public sealed record UnscoredItem(int Line, string Path, string Subject, string Reason);

/// <summary>
/// The result of <c>painstream eval</c>: the metrics with what produced them, written as JSON (snake_case metric names,
/// the names the model manifest's <c>metrics</c> use) and as Markdown.
/// </summary>
/// <param name="Dataset">The dataset folder.</param>
/// <param name="Scorer">The scorer's description.</param>
/// <param name="Scheme">The class scheme.</param>
/// <param name="Items">Rows in <c>labels.csv</c>.</param>
/// <param name="Metrics">The metrics over the scored items.</param>
/// <param name="Scored">The scored items (for <c>predictions.csv</c>).</param>
/// <param name="NoFace">Items without a face (or whose image could not be decoded).</param>
/// <param name="NotScored">Items with a face that the scorer could not score.</param>
/// <param name="Seconds">Wall-clock seconds of reading, face path and scoring (model loading excluded).</param>
/// <param name="Workers">Parallel workers of the face path.</param>
/// <param name="Notes">Notes on probabilities, baselines and labels.</param>
public sealed record EvaluationReport(
    string Dataset,
    string Scorer,
    PainClassScheme Scheme,
    int Items,
    EvaluationMetrics Metrics,
    IReadOnlyList<ScoredItem> Scored,
    IReadOnlyList<UnscoredItem> NoFace,
    IReadOnlyList<UnscoredItem> NotScored,
    double Seconds,
    int Workers,
    IReadOnlyList<string> Notes)
{
    /// <summary>The JSON report's file name.</summary>
    public const string JsonFileName = "report.json";

    /// <summary>The Markdown report's file name.</summary>
    public const string MarkdownFileName = "report.md";

    /// <summary>The per-item predictions' file name.</summary>
    public const string PredictionsFileName = "predictions.csv";

    /// <summary>Gets the throughput: dataset items per second.</summary>
    public double ItemsPerSecond => Seconds > 0 ? Items / Seconds : double.NaN;

    /// <summary>Writes <see cref="JsonFileName"/>, <see cref="MarkdownFileName"/> and <see cref="PredictionsFileName"/> into a folder (created).</summary>
    /// <param name="folder">The report folder.</param>
    public void WriteFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, JsonFileName), ToJson());
        File.WriteAllText(Path.Combine(folder, MarkdownFileName), ToMarkdown());
        File.WriteAllText(Path.Combine(folder, PredictionsFileName), ToPredictionsCsv());
    }

    /// <summary>Returns the report as indented JSON; undefined metrics (NaN) are <c>null</c>.</summary>
    /// <returns>The JSON text, ending in a newline.</returns>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            var m = Metrics;
            w.WriteStartObject();
            w.WriteNumber("schema", 1);
            w.WriteString("dataset", Dataset);
            w.WriteString("scorer", Scorer);
            w.WriteString("scheme", Scheme.Name);
            w.WriteStartArray("classes");
            foreach (var c in Scheme.Classes)
            {
                w.WriteStringValue(c.Label);
            }

            w.WriteEndArray();
            w.WriteNumber("items", Items);
            w.WriteNumber("scored", m.Count);
            Number(w, "accuracy", m.Accuracy);
            Number(w, "macro_f1", m.MacroF1);
            Number(w, "kappa_linear", m.KappaLinear);
            Number(w, "kappa_quadratic", m.KappaQuadratic);
            Number(w, "auc_macro", m.AucMacro);
            w.WriteStartArray("auc_skipped_classes");
            foreach (var k in m.AucSkippedClasses)
            {
                w.WriteStringValue(Scheme.Classes[k].Label);
            }

            w.WriteEndArray();
            Number(w, "ece", m.Ece);
            Number(w, "pcc", m.Pcc);
            Number(w, "mae", m.Mae);
            w.WriteStartArray("confusion");
            for (var i = 0; i < Scheme.Count; i++)
            {
                w.WriteStartArray();
                for (var j = 0; j < Scheme.Count; j++)
                {
                    w.WriteNumberValue(m.Confusion[i, j]);
                }

                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteStartArray("reliability");
            foreach (var b in m.Calibration.Bins)
            {
                w.WriteStartObject();
                w.WriteNumber("lower", b.Lower);
                w.WriteNumber("upper", b.Upper);
                w.WriteNumber("count", b.Count);
                Number(w, "confidence", b.MeanConfidence);
                Number(w, "accuracy", b.Accuracy);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("per_subject");
            foreach (var s in m.PerSubject)
            {
                w.WriteStartObject();
                w.WriteString("subject", s.Subject);
                w.WriteNumber("items", s.Count);
                Number(w, "accuracy", s.Accuracy);
                Number(w, "mae", s.Mae);
                Number(w, "pcc", s.Pcc);
                Number(w, "mean_pspi", s.MeanPspi);
                Number(w, "mean_predicted_pspi", s.MeanPredictedPspi);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteUnscored(w, "no_face", NoFace);
            WriteUnscored(w, "not_scored", NotScored);
            w.WriteStartObject("throughput");
            Number(w, "items_per_second", ItemsPerSecond);
            Number(w, "seconds", Seconds);
            w.WriteNumber("workers", Workers);
            w.WriteEndObject();
            w.WriteStartArray("notes");
            foreach (var note in Notes)
            {
                w.WriteStringValue(note);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Returns the report as Markdown.</summary>
    /// <returns>The Markdown text.</returns>
    public string ToMarkdown()
    {
        var m = Metrics;
        var t = new StringBuilder();
        t.AppendLine("# PainStream evaluation").AppendLine();
        t.AppendLine(CultureInfo.InvariantCulture, $"- Dataset: `{Dataset}`");
        t.AppendLine(CultureInfo.InvariantCulture, $"- Scorer: {Scorer}");
        t.AppendLine(CultureInfo.InvariantCulture, $"- Scheme: `{Scheme.Name}` ({string.Join(" | ", Scheme.Classes.Select(c => c.Label))})");
        t.AppendLine(CultureInfo.InvariantCulture, $"- Items: {Items}; scored {m.Count}; no face {NoFace.Count}; not scored {NotScored.Count}");
        t.AppendLine(CultureInfo.InvariantCulture, $"- Throughput: {F(ItemsPerSecond, "F1")} items/s ({F(Seconds, "F2")} s, {Workers} worker(s); model loading excluded)").AppendLine();
        t.AppendLine("| metric | value |").AppendLine("|---|---|");
        foreach (var (name, value) in new[]
        {
            ("accuracy", m.Accuracy), ("macro_f1", m.MacroF1), ("kappa_linear", m.KappaLinear), ("kappa_quadratic", m.KappaQuadratic),
            ("auc_macro", m.AucMacro), ("ece", m.Ece), ("pcc", m.Pcc), ("mae", m.Mae),
        })
        {
            t.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {F(value, "F4")} |");
        }

        if (m.AucSkippedClasses.Count > 0)
        {
            t.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"AUC averages over the classes present in the labels; left out: {string.Join(", ", m.AucSkippedClasses.Select(k => Scheme.Classes[k].Label))}.");
        }

        t.AppendLine().AppendLine("## Confusion matrix (rows: labelled class, columns: predicted class)").AppendLine();
        t.Append("| |").AppendJoin(string.Empty, Scheme.Classes.Select(c => $" {c.Label} |")).AppendLine();
        t.Append("|---|").AppendJoin(string.Empty, Scheme.Classes.Select(_ => "---|")).AppendLine();
        for (var i = 0; i < Scheme.Count; i++)
        {
            t.Append(CultureInfo.InvariantCulture, $"| **{Scheme.Classes[i].Label}** |");
            for (var j = 0; j < Scheme.Count; j++)
            {
                t.Append(CultureInfo.InvariantCulture, $" {m.Confusion[i, j]} |");
            }

            t.AppendLine();
        }

        t.AppendLine().AppendLine("## Reliability (15 equal-width confidence bins; empty bins left out)").AppendLine();
        t.AppendLine("| confidence bin | items | mean confidence | accuracy | gap |").AppendLine("|---|---|---|---|---|");
        foreach (var b in m.Calibration.Bins.Where(b => b.Count > 0))
        {
            t.AppendLine(CultureInfo.InvariantCulture, $"| ({b.Lower:F3}, {b.Upper:F3}] | {b.Count} | {b.MeanConfidence:F3} | {b.Accuracy:F3} | {b.Gap:F3} |");
        }

        t.AppendLine().AppendLine("## Per subject").AppendLine();
        t.AppendLine("| subject | items | accuracy | MAE | PCC | mean PSPI | mean predicted |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var s in m.PerSubject)
        {
            t.AppendLine(CultureInfo.InvariantCulture, $"| {s.Subject} | {s.Count} | {F(s.Accuracy, "F3")} | {F(s.Mae, "F3")} | {F(s.Pcc, "F3")} | {F(s.MeanPspi, "F2")} | {F(s.MeanPredictedPspi, "F2")} |");
        }

        AppendUnscored(t, "Items without a face", NoFace);
        AppendUnscored(t, "Items not scored", NotScored);
        t.AppendLine().AppendLine("## Notes").AppendLine();
        foreach (var note in Notes)
        {
            t.AppendLine("- " + note);
        }

        return t.ToString();
    }

    /// <summary>Returns the per-item predictions as CSV: path, subject, pspi, class, predicted_class, predicted_pspi, confidence, then p_&lt;label&gt; per class.</summary>
    /// <returns>The CSV text.</returns>
    public string ToPredictionsCsv()
    {
        var t = new StringBuilder("path,subject,pspi,class,predicted_class,predicted_pspi,confidence");
        foreach (var c in Scheme.Classes)
        {
            t.Append(",p_").Append(c.Label);
        }

        t.Append('\n');
        foreach (var item in Scored)
        {
            t.Append(DatasetLabels.Quote(item.Path)).Append(',').Append(DatasetLabels.Quote(item.Subject))
                .Append(CultureInfo.InvariantCulture, $",{item.TruePspi:R},{item.TrueClass},{item.PredictedClass},{item.PredictedPspi:R},{item.Confidence:R}");
            foreach (var p in item.Probabilities)
            {
                t.Append(CultureInfo.InvariantCulture, $",{p:R}");
            }

            t.Append('\n');
        }

        return t.ToString();
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteUnscored(Utf8JsonWriter w, string name, IReadOnlyList<UnscoredItem> items)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", items.Count);
        w.WriteStartArray("items");
        foreach (var item in items)
        {
            w.WriteStartObject();
            w.WriteNumber("line", item.Line);
            w.WriteString("path", item.Path);
            w.WriteString("subject", item.Subject);
            w.WriteString("reason", item.Reason);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void AppendUnscored(StringBuilder t, string title, IReadOnlyList<UnscoredItem> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        t.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"## {title} ({items.Count})").AppendLine();
        t.AppendLine("| line | path | subject | reason |").AppendLine("|---|---|---|---|");
        foreach (var item in items)
        {
            t.AppendLine(CultureInfo.InvariantCulture, $"| {item.Line} | {item.Path} | {item.Subject} | {item.Reason} |");
        }
    }

    private static string F(double value, string format) => double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using PainStream.Core.Alerting;

namespace PainStream.Tools.Evaluation;

/// <summary>One row of a dataset's <c>labels.csv</c> (docs/model-contract.md, "Dataset folder").</summary>
/// <param name="Line">The 1-based line number in the file (the header is line 1).</param>
/// <param name="Path">The item's path relative to the dataset folder, with '/' separators.</param>
/// <param name="Subject">The subject id.</param>
/// <param name="Pspi">The PSPI label, 0–16.</param>
/// <param name="Class">The class index overriding the scheme's class of <paramref name="Pspi"/>, or <see langword="null"/>.</param>
/// <param name="Time">Seconds within a clip or session, or <see langword="null"/>.</param>
public sealed record LabelRow(int Line, string Path, string Subject, double Pspi, int? Class, double? Time);

/// <summary>
/// Reads and writes a dataset's <c>labels.csv</c>: header <c>path,subject,pspi</c> plus optional <c>class</c> and
/// <c>time</c> columns, in any order; RFC 4180 quoting; UTF-8.
/// </summary>
/// <remarks>
/// <para>
/// Reading is strict, because a label that is silently misread poisons every metric computed from it: an unknown or
/// repeated column, a missing required column, a row with the wrong number of fields, an empty path or subject, a path
/// that is absolute or leaves the folder (<c>..</c>), a PSPI that is not a number from 0 to 16, a class that is not a
/// non-negative integer, or a time that is not a finite number is an error naming the line and the column. Every error is
/// collected, not only the first. Whether a class index exists in a scheme is checked by the caller that knows the scheme
/// (<see cref="CheckClasses"/>).
/// </para>
/// <para>Thread-safe: static and stateless.</para>
/// </remarks>
public static class DatasetLabels
{
    /// <summary>The labels file's name inside a dataset folder.</summary>
    public const string FileName = "labels.csv";

    /// <summary>The required columns, in the order <see cref="Write"/> puts them.</summary>
    public static readonly IReadOnlyList<string> RequiredColumns = ["path", "subject", "pspi"];

    /// <summary>The optional columns.</summary>
    public static readonly IReadOnlyList<string> OptionalColumns = ["class", "time"];

    /// <summary>Reads <c>labels.csv</c> of a dataset folder.</summary>
    /// <param name="folder">The dataset folder.</param>
    /// <param name="rows">The rows that parsed (rows with an error are left out).</param>
    /// <returns>Every problem found, each naming <c>labels.csv</c>, the line and the column; empty when the file is valid.</returns>
    public static IReadOnlyList<string> Read(string folder, out IReadOnlyList<LabelRow> rows)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var file = System.IO.Path.Combine(folder, FileName);
        if (!File.Exists(file))
        {
            rows = [];
            return [Directory.Exists(folder) ? $"{file}: missing (a dataset folder needs {FileName}, header path,subject,pspi[,class][,time])" : $"{folder}: no such dataset folder"];
        }

        string text;
        try
        {
            text = File.ReadAllText(file, Encoding.UTF8);
        }
        catch (IOException ex)
        {
            rows = [];
            return [$"{file}: cannot be read: {ex.Message}"];
        }

        return Parse(text, FileName, out rows);
    }

    /// <summary>Parses the text of a labels file.</summary>
    /// <param name="text">The CSV text.</param>
    /// <param name="name">The name used in messages.</param>
    /// <param name="rows">The rows that parsed.</param>
    /// <returns>The problems found.</returns>
    public static IReadOnlyList<string> Parse(string text, string name, out IReadOnlyList<LabelRow> rows)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<string>();
        var result = new List<LabelRow>();
        rows = result;
        var records = SplitRecords(text, name, problems);
        if (records.Count == 0)
        {
            if (problems.Count == 0)
            {
                problems.Add($"{name}: empty (expected the header path,subject,pspi[,class][,time])");
            }

            return problems;
        }

        var (headerLine, header) = records[0];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < header.Count; c++)
        {
            var column = header[c].Trim();
            if (c == 0 && column.Length > 0 && column[0] == '\uFEFF')
            {
                column = column[1..];
            }

            if (!RequiredColumns.Contains(column) && !OptionalColumns.Contains(column))
            {
                problems.Add($"{name} line {headerLine}: unknown column '{column}' in the header (allowed: path, subject, pspi, class, time)");
            }
            else if (!index.TryAdd(column, c))
            {
                problems.Add($"{name} line {headerLine}: column '{column}' appears twice in the header");
            }
        }

        foreach (var required in RequiredColumns)
        {
            if (!index.ContainsKey(required))
            {
                problems.Add($"{name} line {headerLine}: the header has no '{required}' column (expected path,subject,pspi[,class][,time])");
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        int pathAt = index["path"], subjectAt = index["subject"], pspiAt = index["pspi"];
        var classAt = index.GetValueOrDefault("class", -1);
        var timeAt = index.GetValueOrDefault("time", -1);
        for (var r = 1; r < records.Count; r++)
        {
            var (line, fields) = records[r];
            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue; // a blank line
            }

            if (fields.Count != header.Count)
            {
                problems.Add($"{name} line {line}: {fields.Count} field(s), the header has {header.Count}");
                continue;
            }

            var ok = true;
            var path = fields[pathAt].Trim().Replace('\\', '/');
            if (path.Length == 0)
            {
                problems.Add($"{name} line {line}, column path: empty");
                ok = false;
            }
            else if (System.IO.Path.IsPathRooted(path) || path.Split('/').Contains(".."))
            {
                problems.Add($"{name} line {line}, column path: '{path}' must be relative to the dataset folder and stay inside it");
                ok = false;
            }

            var subject = fields[subjectAt].Trim();
            if (subject.Length == 0)
            {
                problems.Add($"{name} line {line}, column subject: empty");
                ok = false;
            }

            var pspiText = fields[pspiAt].Trim();
            if (!double.TryParse(pspiText, NumberStyles.Float, CultureInfo.InvariantCulture, out var pspi) || !(pspi >= 0 && pspi <= ScoreScales.MaxPspi))
            {
                problems.Add($"{name} line {line}, column pspi: '{pspiText}' is not a number from 0 to {ScoreScales.MaxPspi}");
                ok = false;
            }

            int? klass = null;
            if (classAt >= 0 && fields[classAt].Trim() is { Length: > 0 } classText)
            {
                if (int.TryParse(classText, NumberStyles.None, CultureInfo.InvariantCulture, out var k))
                {
                    klass = k;
                }
                else
                {
                    problems.Add($"{name} line {line}, column class: '{classText}' is not a class index (a non-negative integer)");
                    ok = false;
                }
            }

            double? time = null;
            if (timeAt >= 0 && fields[timeAt].Trim() is { Length: > 0 } timeText)
            {
                if (double.TryParse(timeText, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && double.IsFinite(t))
                {
                    time = t;
                }
                else
                {
                    problems.Add($"{name} line {line}, column time: '{timeText}' is not a number of seconds");
                    ok = false;
                }
            }

            if (ok)
            {
                result.Add(new LabelRow(line, path, subject, pspi, klass, time));
            }
        }

        return problems;
    }

    /// <summary>Checks that every <c>class</c> value is a class of <paramref name="scheme"/>.</summary>
    /// <param name="rows">The rows.</param>
    /// <param name="scheme">The scheme.</param>
    /// <returns>One problem per row whose class is out of range.</returns>
    public static IReadOnlyList<string> CheckClasses(IReadOnlyList<LabelRow> rows, PainClassScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(scheme);
        var problems = new List<string>();
        foreach (var row in rows)
        {
            if (row.Class is { } k && k >= scheme.Count)
            {
                problems.Add($"{FileName} line {row.Line}, column class: {k} is not a class of scheme {scheme.Name} (0 to {scheme.Count - 1}: {string.Join(" | ", scheme.Classes.Select(c => c.Label))})");
            }
        }

        return problems;
    }

    /// <summary>Writes rows as a <c>labels.csv</c> (columns path, subject, pspi, then class and time when any row has one).</summary>
    /// <param name="file">The file to write.</param>
    /// <param name="rows">The rows.</param>
    public static void Write(string file, IEnumerable<LabelRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var withClass = list.Any(r => r.Class is not null);
        var withTime = list.Any(r => r.Time is not null);
        var text = new StringBuilder("path,subject,pspi");
        text.Append(withClass ? ",class" : string.Empty).Append(withTime ? ",time" : string.Empty).Append('\n');
        foreach (var row in list)
        {
            text.Append(Quote(row.Path)).Append(',').Append(Quote(row.Subject)).Append(',').Append(row.Pspi.ToString("R", CultureInfo.InvariantCulture));
            if (withClass)
            {
                text.Append(',').Append(row.Class?.ToString(CultureInfo.InvariantCulture));
            }

            if (withTime)
            {
                text.Append(',').Append(row.Time?.ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        File.WriteAllText(file, text.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180).</summary>
    /// <param name="field">The field.</param>
    /// <returns>The field as written.</returns>
    public static string Quote(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Splits RFC 4180 text into records of fields, with the line each record starts on.</summary>
    private static List<(int Line, List<string> Fields)> SplitRecords(string text, string name, List<string> problems)
    {
        var records = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false;
        var any = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += ch == '\n' ? 1 : 0;
                    field.Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    records.Add((recordLine, fields));
                    fields = [];
                    field.Clear();
                    any = false;
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(ch);
                    any = true;
                    break;
            }
        }

        if (quoted)
        {
            problems.Add($"{name} line {recordLine}: a quoted field is not closed");
            return [];
        }

        if (any || field.Length > 0)
        {
            fields.Add(field.ToString());
            records.Add((recordLine, fields));
        }

        return records;
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;

namespace PainStream.LoadTool;

/// <summary>One sample of a Prometheus text exposition: name, labels, value.</summary>
/// <param name="Name">The metric name, for example <c>painstream_frames_captured_total</c>.</param>
/// <param name="Labels">The labels.</param>
/// <param name="Value">The value.</param>
internal sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A parsed <c>/metrics</c> scrape with the lookups the load tool needs.</summary>
internal sealed class PromScrape
{
    private readonly List<PromSample> _samples;

    private PromScrape(List<PromSample> samples) => _samples = samples;

    /// <summary>Gets every sample.</summary>
    public IReadOnlyList<PromSample> Samples => _samples;

    /// <summary>Parses the Prometheus text format (version 0.0.4; OpenMetrics' extra lines are ignored).</summary>
    /// <param name="text">The scrape body.</param>
    /// <returns>The samples.</returns>
    public static PromScrape Parse(string text)
    {
        var samples = new List<PromSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name;
            string rest;
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (brace >= 0 && (space < 0 || brace < space))
            {
                name = line[..brace];
                var end = ParseLabels(line, brace + 1, labels);
                rest = line[(end + 1)..].Trim();
            }
            else if (space > 0)
            {
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }
            else
            {
                continue;
            }

            // "value [timestamp]"
            var valueText = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (valueText is not null && TryParseValue(valueText, out var value))
            {
                samples.Add(new PromSample(name, labels, value));
            }
        }

        return new PromScrape(samples);
    }

    /// <summary>Sums the samples of <paramref name="name"/> per value of <paramref name="label"/>.</summary>
    /// <param name="name">The metric name.</param>
    /// <param name="label">The label to group by.</param>
    /// <returns>Label value to summed value.</returns>
    public Dictionary<string, double> SumBy(string name, string label)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var s in _samples)
        {
            if (s.Name == name && s.Labels.TryGetValue(label, out var key))
            {
                sums[key] = sums.GetValueOrDefault(key) + s.Value;
            }
        }

        return sums;
    }

    /// <summary>Sums every sample of <paramref name="name"/>.</summary>
    /// <param name="name">The metric name.</param>
    /// <returns>The sum, 0 when absent.</returns>
    public double Sum(string name) => _samples.Where(s => s.Name == name).Sum(s => s.Value);

    /// <summary>Gets whether any sample of <paramref name="name"/> exists.</summary>
    /// <param name="name">The metric name.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool Has(string name) => _samples.Exists(s => s.Name == name);

    /// <summary>
    /// The cumulative histogram of <paramref name="bucketName"/> summed over all label sets (all cameras), as (upper bound,
    /// cumulative count) sorted by bound, the last bound being +Inf.
    /// </summary>
    /// <param name="bucketName">The <c>…_bucket</c> metric name.</param>
    /// <returns>The buckets.</returns>
    public List<(double UpperBound, double Count)> Histogram(string bucketName) => Histogram(bucketName, null);

    /// <summary>As <see cref="Histogram(string)"/>, over the label sets that have <paramref name="label"/> = <paramref name="value"/>.</summary>
    /// <param name="bucketName">The <c>…_bucket</c> metric name.</param>
    /// <param name="label">The label to filter on.</param>
    /// <param name="value">Its value.</param>
    /// <returns>The buckets.</returns>
    public List<(double UpperBound, double Count)> Histogram(string bucketName, string label, string value) =>
        Histogram(bucketName, labels => labels.TryGetValue(label, out var v) && v == value);

    /// <summary>Gets the distinct values of <paramref name="label"/> among the samples of <paramref name="name"/>.</summary>
    /// <param name="name">The metric name.</param>
    /// <param name="label">The label.</param>
    /// <returns>The values, sorted.</returns>
    public IReadOnlyList<string> LabelValues(string name, string label) =>
        [.. _samples.Where(s => s.Name == name && s.Labels.ContainsKey(label)).Select(s => s.Labels[label]).Distinct().Order(StringComparer.Ordinal)];

    private List<(double UpperBound, double Count)> Histogram(string bucketName, Func<IReadOnlyDictionary<string, string>, bool>? filter)
    {
        var buckets = new SortedDictionary<double, double>();
        foreach (var s in _samples)
        {
            if (s.Name == bucketName && (filter is null || filter(s.Labels)) && s.Labels.TryGetValue("le", out var le) && TryParseValue(le, out var bound))
            {
                buckets[bound] = buckets.GetValueOrDefault(bound) + s.Value;
            }
        }

        return buckets.Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>Subtracts an earlier cumulative histogram, giving the histogram of the window between the two scrapes.</summary>
    /// <param name="after">The later scrape's buckets.</param>
    /// <param name="before">The earlier scrape's buckets.</param>
    /// <returns>The window's cumulative buckets.</returns>
    public static List<(double UpperBound, double Count)> Delta(List<(double UpperBound, double Count)> after, List<(double UpperBound, double Count)> before)
    {
        var earlier = before.ToDictionary(b => b.UpperBound, b => b.Count);
        return after.Select(b => (b.UpperBound, b.Count - earlier.GetValueOrDefault(b.UpperBound))).ToList();
    }

    /// <summary>
    /// Estimates quantile <paramref name="q"/> from cumulative buckets by linear interpolation inside the bucket that holds
    /// it (as Prometheus' <c>histogram_quantile</c> does). The first bucket interpolates from 0; a quantile in the +Inf bucket
    /// returns the highest finite bound.
    /// </summary>
    /// <param name="buckets">Cumulative buckets sorted by bound.</param>
    /// <param name="q">The quantile in [0, 1].</param>
    /// <returns>The estimate, or <see langword="null"/> when there are no observations.</returns>
    public static double? Quantile(List<(double UpperBound, double Count)> buckets, double q)
    {
        if (buckets.Count == 0 || buckets[^1].Count <= 0)
        {
            return null;
        }

        var total = buckets[^1].Count;
        var rank = q * total;
        double previousBound = 0;
        double previousCount = 0;
        foreach (var (bound, count) in buckets)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return previousBound;
                }

                var inBucket = count - previousCount;
                return inBucket <= 0 ? bound : previousBound + ((bound - previousBound) * ((rank - previousCount) / inBucket));
            }

            previousBound = bound;
            previousCount = count;
        }

        return previousBound;
    }

    private static int ParseLabels(string line, int start, Dictionary<string, string> labels)
    {
        var i = start;
        while (i < line.Length && line[i] != '}')
        {
            var eq = line.IndexOf('=', i);
            var key = line[i..eq].Trim().TrimStart(',').Trim();
            var j = eq + 2; // skip ="
            var value = new System.Text.StringBuilder();
            while (j < line.Length && line[j] != '"')
            {
                if (line[j] == '\\' && j + 1 < line.Length)
                {
                    j++;
                    value.Append(line[j] == 'n' ? '\n' : line[j]);
                }
                else
                {
                    value.Append(line[j]);
                }

                j++;
            }

            labels[key] = value.ToString();
            i = j + 1;
            while (i < line.Length && (line[i] == ',' || line[i] == ' '))
            {
                i++;
            }
        }

        return i;
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
            case "Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}

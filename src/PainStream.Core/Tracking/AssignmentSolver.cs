// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Tracking;

/// <summary>
/// Minimum-cost assignment (the Hungarian method, Kuhn–Munkres with potentials, O(n³)) for the small matrices of
/// face tracking: rows are tracks, columns are faces.
/// </summary>
/// <remarks>
/// <para>
/// Costs are finite and non-negative, or <see cref="double.PositiveInfinity"/> for a pair that must not be matched
/// (gated). The result is the assignment that matches as many allowed pairs as possible and, among those, has the
/// least total cost: forbidden cells are replaced by a cost larger than any sum of allowed ones, the matrix is padded to a
/// square with such cells, and pairs that end up on them are reported as unmatched.
/// </para>
/// <para>
/// Why not greedy: with two faces crossing, greedy takes the single cheapest pair first and can leave the other track
/// with a forbidden or expensive match; the optimal assignment minimises the sum. For 8 × 8 it is a few hundred
/// operations. Not thread-safe: buffers are reused, so that <see cref="Solve"/> does not allocate once it has seen the
/// largest matrix.
/// </para>
/// </remarks>
public sealed class AssignmentSolver
{
    private double[] _matrix = [];
    private double[] _u = [];
    private double[] _v = [];
    private double[] _minv = [];
    private int[] _p = [];
    private int[] _way = [];
    private bool[] _used = [];

    /// <summary>Finds the minimum-cost assignment of rows to columns.</summary>
    /// <param name="costs">Row-major <paramref name="rows"/> × <paramref name="columns"/> costs: finite and ≥ 0, or +∞ (forbidden).</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="columns">The number of columns.</param>
    /// <param name="rowToColumn">Receives, for each row, its column or −1 when it is unmatched; at least <paramref name="rows"/> long.</param>
    /// <returns>The number of matched rows.</returns>
    /// <exception cref="ArgumentException">The spans are too short, or a cost is negative or NaN.</exception>
    public int Solve(ReadOnlySpan<double> costs, int rows, int columns, Span<int> rowToColumn)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (costs.Length < rows * columns || rowToColumn.Length < rows)
        {
            ThrowTooShort();
        }

        rowToColumn[..rows].Fill(-1);
        if (rows == 0 || columns == 0)
        {
            return 0;
        }

        var maxAllowed = 0.0;
        foreach (var c in costs[..(rows * columns)])
        {
            if (double.IsNaN(c) || c < 0)
            {
                ThrowBadCost();
            }

            if (!double.IsPositiveInfinity(c) && c > maxAllowed)
            {
                maxAllowed = c;
            }
        }

        var n = Math.Max(rows, columns);

        // Larger than any sum of n allowed costs, so one forbidden cell fewer always wins.
        var forbidden = ((maxAllowed + 1) * (n + 1)) + 1;
        EnsureCapacity(n);
        var a = _matrix.AsSpan(0, n * n);
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < n; c++)
            {
                var value = r < rows && c < columns ? costs[(r * columns) + c] : forbidden;
                a[(r * n) + c] = double.IsPositiveInfinity(value) ? forbidden : value;
            }
        }

        Hungarian(n);

        var matched = 0;
        for (var j = 1; j <= n; j++)
        {
            var r = _p[j] - 1;
            var c = j - 1;
            if (r < rows && c < columns && a[(r * n) + c] < forbidden)
            {
                rowToColumn[r] = c;
                matched++;
            }
        }

        return matched;
    }

    private static void ThrowTooShort() => throw new ArgumentException("The cost or result span is shorter than the matrix.");

    private static void ThrowBadCost() => throw new ArgumentException("Costs must be non-negative, or +Infinity for a forbidden pair.");

    // The classic O(n³) potentials formulation (1-based: row 0 and column 0 are sentinels). After it, _p[j] is the row
    // assigned to column j.
    private void Hungarian(int n)
    {
        var a = _matrix;
        var u = _u.AsSpan(0, n + 1);
        var v = _v.AsSpan(0, n + 1);
        var p = _p.AsSpan(0, n + 1);
        var way = _way.AsSpan(0, n + 1);
        var minv = _minv.AsSpan(0, n + 1);
        var used = _used.AsSpan(0, n + 1);
        u.Clear();
        v.Clear();
        p.Clear();
        way.Clear();
        for (var i = 1; i <= n; i++)
        {
            p[0] = i;
            var j0 = 0;
            minv.Fill(double.PositiveInfinity);
            used.Clear();
            do
            {
                used[j0] = true;
                var i0 = p[j0];
                var delta = double.PositiveInfinity;
                var j1 = 0;
                for (var j = 1; j <= n; j++)
                {
                    if (used[j])
                    {
                        continue;
                    }

                    var cur = a[((i0 - 1) * n) + (j - 1)] - u[i0] - v[j];
                    if (cur < minv[j])
                    {
                        minv[j] = cur;
                        way[j] = j0;
                    }

                    if (minv[j] < delta)
                    {
                        delta = minv[j];
                        j1 = j;
                    }
                }

                for (var j = 0; j <= n; j++)
                {
                    if (used[j])
                    {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        minv[j] -= delta;
                    }
                }

                j0 = j1;
            }
            while (p[j0] != 0);

            do
            {
                var j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }
    }

    private void EnsureCapacity(int n)
    {
        if (_p.Length >= n + 1)
        {
            return;
        }

        // Grow to at least 8 (a typical frame's faces), so the first few frames settle the buffers for good.
        var size = Math.Max(n, 8);
        _matrix = new double[size * size];
        _u = new double[size + 1];
        _v = new double[size + 1];
        _minv = new double[size + 1];
        _p = new int[size + 1];
        _way = new int[size + 1];
        _used = new bool[size + 1];
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Tracking;

namespace PainStream.Core.Tests.Tracking;

public sealed class AssignmentSolverTests
{
    private const double X = double.PositiveInfinity;

    [Fact]
    public void Solve_GreedyWouldBeWrong_FindsTheMinimumSum()
    {
        // Greedy takes (0,0) at 1 and is left with (1,1) at 10: 11. The optimum is (0,1) + (1,0) = 2 + 2.
        double[] costs = [1, 2, 2, 10];
        var result = new int[2];

        var matched = new AssignmentSolver().Solve(costs, 2, 2, result);

        Assert.Equal(2, matched);
        Assert.Equal([1, 0], result);
    }

    [Fact]
    public void Solve_ForbiddenCells_MaximisesAllowedMatchesFirst()
    {
        // Row 0 may take column 0 or 1, row 1 only column 0: both are matched although (0,0) alone is cheapest.
        double[] costs = [0.1, 0.9, 0.2, X];
        var result = new int[2];

        var matched = new AssignmentSolver().Solve(costs, 2, 2, result);

        Assert.Equal(2, matched);
        Assert.Equal([1, 0], result);
    }

    [Fact]
    public void Solve_RectangularAndAllForbidden_Unmatched()
    {
        var solver = new AssignmentSolver();
        var result = new int[3];

        Assert.Equal(1, solver.Solve([X, 0.5, X, X, X, X], 3, 2, result));
        Assert.Equal([1, -1, -1], result);
        Assert.Equal(0, solver.Solve([X, X], 1, 2, result));
        Assert.Equal(-1, result[0]);
        Assert.Equal(0, solver.Solve([], 0, 5, result));
    }

    [Fact]
    public void Solve_RandomMatrices_MatchesBruteForce()
    {
        var random = new Random(7);
        var solver = new AssignmentSolver();
        for (var trial = 0; trial < 400; trial++)
        {
            var rows = random.Next(1, 6);
            var columns = random.Next(1, 6);
            var costs = new double[rows * columns];
            for (var i = 0; i < costs.Length; i++)
            {
                costs[i] = random.NextDouble() < 0.3 ? X : Math.Round(random.NextDouble(), 3);
            }

            var result = new int[rows];
            var matched = solver.Solve(costs, rows, columns, result);

            var (bestCount, bestSum) = BruteForce(costs, rows, columns);
            var sum = 0.0;
            var used = new HashSet<int>();
            for (var r = 0; r < rows; r++)
            {
                if (result[r] >= 0)
                {
                    Assert.True(used.Add(result[r]));
                    Assert.False(double.IsInfinity(costs[(r * columns) + result[r]]));
                    sum += costs[(r * columns) + result[r]];
                }
            }

            Assert.Equal(bestCount, matched);
            Assert.Equal(bestSum, sum, 9);
        }
    }

    [Fact]
    public void Solve_NegativeOrNaNCost_Throws()
    {
        var solver = new AssignmentSolver();
        var result = new int[1];

        Assert.Throws<ArgumentException>(() => solver.Solve([-1], 1, 1, result));
        Assert.Throws<ArgumentException>(() => solver.Solve([double.NaN], 1, 1, result));
        Assert.Throws<ArgumentException>(() => solver.Solve([1], 1, 2, result));
    }

    // Most allowed pairs, then least sum, over every partial assignment.
    private static (int Count, double Sum) BruteForce(double[] costs, int rows, int columns)
    {
        var best = (Count: 0, Sum: 0.0);
        var used = new bool[columns];
        void Visit(int row, int count, double sum)
        {
            if (row == rows)
            {
                if (count > best.Count || (count == best.Count && sum < best.Sum - 1e-12))
                {
                    best = (count, sum);
                }

                return;
            }

            Visit(row + 1, count, sum);
            for (var c = 0; c < columns; c++)
            {
                var cost = costs[(row * columns) + c];
                if (!used[c] && !double.IsInfinity(cost))
                {
                    used[c] = true;
                    Visit(row + 1, count + 1, sum + cost);
                    used[c] = false;
                }
            }
        }

        Visit(0, 0, 0);
        return best;
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Tracking;

namespace PainStream.Core.Tests.Tracking;

public sealed class FaceTrackerOptionsTests
{
    [Fact]
    public void Validate_Defaults_Valid() => Assert.Empty(FaceTrackerOptions.Default.Validate());

    [Fact]
    public void Validate_BadValues_NamesEach()
    {
        var options = new FaceTrackerOptions
        {
            GracePeriod = TimeSpan.FromSeconds(-1),
            IouWeight = 0,
            DistanceWeight = 0,
            MaxDistance = double.NaN,
            MaxSizeRatio = 0.5,
            MaxTracks = 0,
        };

        var problems = options.Validate();

        Assert.Contains(problems, p => p.StartsWith("GracePeriod", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("must not both be 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MaxDistance", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MaxSizeRatio", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MaxTracks", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new FaceTracker(BedLayout.WholeFrame, 640, 480, options));
    }
}

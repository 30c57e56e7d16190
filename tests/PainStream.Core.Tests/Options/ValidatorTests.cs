// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Options;

namespace PainStream.Core.Tests.Options;

public sealed class ValidatorTests
{
    [Fact]
    public void CamerasValidator_BadNameMissingUrlAndRegionPastFrame_NamesEachKey()
    {
        var cameras = new CamerasOptions
        {
            ["Bed 12"] = new CameraOptions { Url = "rtsp://cam/1" },
            ["bed-13"] = new CameraOptions { Url = string.Empty, Fps = 500 },
            ["bed-14"] = new CameraOptions { Url = "rtsp://cam/3", Region = new RegionOptions { X = 0.5, Width = 0.8 } },
        };

        var result = new CamerasOptionsValidator().Validate(null, cameras);

        Assert.True(result.Failed);
        var text = string.Join('\n', result.Failures!);
        Assert.Contains("Cameras:Bed 12", text, StringComparison.Ordinal);
        Assert.Contains("[a-z0-9_-]", text, StringComparison.Ordinal);
        Assert.Contains("Cameras:bed-13", text, StringComparison.Ordinal);
        Assert.Contains("Url", text, StringComparison.Ordinal);
        Assert.Contains("Fps", text, StringComparison.Ordinal);
        Assert.Contains("Cameras:bed-14:Region", text, StringComparison.Ordinal);
    }

    [Fact]
    public void CamerasValidator_BedOverridesOutOfRange_FailLikeCameraOverrides()
    {
        var cameras = new CamerasOptions
        {
            ["ward3-room2"] = new CameraOptions
            {
                Url = "rtsp://cam/1",
                Alerting = new AlertingOverrides { ReAlertMinutes = 0.01 },
                Beds = new Dictionary<string, BedOptions>
                {
                    ["bed-a"] = new BedOptions { Width = 0.5, Alerting = new AlertingOverrides { ReAlertMinutes = 0.01, MinConfidence = 2 } },
                    ["bed-b"] = new BedOptions { X = 0.5, Width = 0.5, Alerting = new AlertingOverrides { ReAlertMinutes = 30 } },
                },
            },
        };

        var result = new CamerasOptionsValidator().Validate(null, cameras);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Single(failures, f => f.Contains("Cameras:ward3-room2.Alerting.ReAlertMinutes", StringComparison.Ordinal));
        Assert.Single(failures, f => f.Contains("Cameras:ward3-room2:Beds:bed-a:Alerting.ReAlertMinutes", StringComparison.Ordinal));
        Assert.Single(failures, f => f.Contains("Cameras:ward3-room2:Beds:bed-a:Alerting.MinConfidence", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("bed-b", StringComparison.Ordinal));
        Assert.Equal(3, failures.Count);
    }

    [Fact]
    public void CaptureValidators_OutOfRangeAndInconsistent_Fail()
    {
        var options = new CaptureOptions { Fps = 0, Width = 641, BackoffInitialSeconds = 10, BackoffMaxSeconds = 5 };

        var attributes = new CaptureOptionsValidator().Validate(CaptureOptions.SectionName, options);
        var rules = new CaptureOptionsRulesValidator().Validate(CaptureOptions.SectionName, options);

        Assert.Contains(attributes.Failures!, f => f.Contains("Fps", StringComparison.Ordinal));
        Assert.Contains(rules.Failures!, f => f.Contains("Capture:BackoffMaxSeconds", StringComparison.Ordinal));
        Assert.Contains(rules.Failures!, f => f.Contains("even", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(DetectionOptions.ShapePredictorCascades, true)]
    [InlineData(DetectionOptions.ShapePredictorCascades + 1, false)]
    public void DetectionValidator_FollowCascades_OneToTheModelsCascadeCount(int cascades, bool valid)
    {
        var result = new DetectionOptionsValidator().Validate(DetectionOptions.SectionName, new DetectionOptions { FollowCascades = cascades });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains(result.Failures!, f => f.Contains("FollowCascades", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validators_Defaults_Succeed()
    {
        Assert.True(new CaptureOptionsValidator().Validate(null, new CaptureOptions()).Succeeded);
        Assert.True(new CaptureOptionsRulesValidator().Validate(null, new CaptureOptions()).Succeeded);
        Assert.True(new DetectionOptionsValidator().Validate(null, new DetectionOptions()).Succeeded);
        Assert.True(new MqttOptionsValidator().Validate(null, new MqttOptions()).Succeeded);
        Assert.True(new HttpOptionsValidator().Validate(null, new HttpOptions()).Succeeded);
        Assert.True(new PipelineOptionsValidator().Validate(null, new PipelineOptions()).Succeeded);
        Assert.True(new CamerasOptionsValidator().Validate(null, new CamerasOptions()).Succeeded);
    }

    [Fact]
    public void CaptureRules_I420WithAnOddSize_NamesTheKey()
    {
        var options = new CaptureOptions { PixelFormat = PainStream.Core.Frames.FramePixelFormat.I420, Height = 359, BedsWidth = 1281 };

        var rules = new CaptureOptionsRulesValidator().Validate(CaptureOptions.SectionName, options);

        Assert.True(rules.Failed);
        Assert.Contains(rules.Failures!, f => f.Contains("Capture:Height", StringComparison.Ordinal) && f.Contains("i420", StringComparison.Ordinal));
        Assert.Contains(rules.Failures!, f => f.Contains("Capture:BedsWidth", StringComparison.Ordinal) && f.Contains("i420", StringComparison.Ordinal));
        Assert.True(new CaptureOptionsRulesValidator().Validate(null, new CaptureOptions { PixelFormat = PainStream.Core.Frames.FramePixelFormat.I420 }).Succeeded);
    }
}

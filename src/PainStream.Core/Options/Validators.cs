// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Options;
using PainStream.Core.Frames;

namespace PainStream.Core.Options;

/// <summary>Compile-time generated validator for <see cref="CameraOptions"/>.</summary>
[OptionsValidator]
public sealed partial class CameraOptionsValidator : IValidateOptions<CameraOptions>;

/// <summary>Compile-time generated validator for <see cref="CaptureOptions"/>.</summary>
[OptionsValidator]
public sealed partial class CaptureOptionsValidator : IValidateOptions<CaptureOptions>;

/// <summary>Compile-time generated validator for <see cref="DetectionOptions"/>.</summary>
[OptionsValidator]
public sealed partial class DetectionOptionsValidator : IValidateOptions<DetectionOptions>;

/// <summary>Compile-time generated validator for <see cref="PipelineOptions"/>.</summary>
[OptionsValidator]
public sealed partial class PipelineOptionsValidator : IValidateOptions<PipelineOptions>;

/// <summary>Compile-time generated validator for <see cref="MqttOptions"/>.</summary>
[OptionsValidator]
public sealed partial class MqttOptionsValidator : IValidateOptions<MqttOptions>;

/// <summary>Compile-time generated validator for <see cref="HttpOptions"/>.</summary>
[OptionsValidator]
public sealed partial class HttpOptionsValidator : IValidateOptions<HttpOptions>;

/// <summary>Compile-time generated validator for <see cref="DemoOptions"/>.</summary>
[OptionsValidator]
public sealed partial class DemoOptionsValidator : IValidateOptions<DemoOptions>;

/// <summary>Validates <see cref="AlertingOptions"/> (data annotations; cross-field rules in <see cref="AlertingRules"/>).</summary>
[OptionsValidator]
public sealed partial class AlertingOptionsValidator : IValidateOptions<AlertingOptions>;

/// <summary>
/// Validates <see cref="AlertingOverrides"/>: a bed's overrides (a camera's are validated with the camera, through
/// <see cref="ValidateObjectMembersAttribute"/>; a bed sits in a dictionary, which the generated validators do not walk).
/// </summary>
[OptionsValidator]
public sealed partial class AlertingOverridesValidator : IValidateOptions<AlertingOverrides>;

/// <summary>Validates <see cref="ScoringOptions"/>.</summary>
[OptionsValidator]
public sealed partial class ScoringOptionsValidator : IValidateOptions<ScoringOptions>;

/// <summary>Validates every camera: its name, its own fields and its region, and its beds' layout and alert overrides.</summary>
public sealed class CamerasOptionsValidator : IValidateOptions<CamerasOptions>
{
    private readonly CameraOptionsValidator _camera = new();
    private readonly AlertingOverridesValidator _overrides = new();

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, CamerasOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        foreach (var (id, camera) in options)
        {
            var path = $"{CamerasOptions.SectionName}:{id}";
            if (!CameraId.IsValid(id))
            {
                builder.AddError($"camera name '{id}' must match [a-z0-9_-]{{1,64}} (it is used in MQTT topics)", path);
            }

            if (camera is null)
            {
                builder.AddError("the camera has no settings", path);
                continue;
            }

            builder.AddResult(_camera.Validate(path, camera));
            if (camera.Region is { } r && (r.X + r.Width > 1.0001 || r.Y + r.Height > 1.0001))
            {
                builder.AddError("the region reaches past the frame (X + Width and Y + Height must be at most 1)", $"{path}:Region");
            }

            foreach (var problem in CameraBeds.Validate(id, camera))
            {
                builder.AddError(problem);
            }

            // The same ranges as the camera's overrides, named by the bed's full key path.
            foreach (var (bed, bedOptions) in camera.Beds ?? [])
            {
                if (bedOptions is not null && !BedOptions.TryParseMode(bedOptions.Mode, out _))
                {
                    // Never echo more than the mode itself: it is a short keyword, not a secret.
                    builder.AddError($"'{bedOptions.Mode}' is not a bed mode (adult or infant)", $"{path}:Beds:{bed}:Mode");
                }

                if (bedOptions?.Alerting is { } overrides)
                {
                    builder.AddResult(_overrides.Validate($"{path}:Beds:{bed}:Alerting", overrides));
                }
            }
        }

        return builder.Build();
    }
}

/// <summary>Cross-field rules of <see cref="CaptureOptions"/> that attributes cannot express.</summary>
public sealed class CaptureOptionsRulesValidator : IValidateOptions<CaptureOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, CaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        if (options.BackoffMaxSeconds < options.BackoffInitialSeconds)
        {
            builder.AddError("must be at least BackoffInitialSeconds", $"{CaptureOptions.SectionName}:{nameof(CaptureOptions.BackoffMaxSeconds)}");
        }

        if (options.Width % 2 != 0 || options.Height % 2 != 0)
        {
            builder.AddError("Width and Height must be even (ffmpeg's scaler and most decoders need it)", CaptureOptions.SectionName);
        }

        if (options.BedsWidth % 2 != 0 || options.BedsHeight % 2 != 0)
        {
            builder.AddError("BedsWidth and BedsHeight must be even (ffmpeg's scaler and most decoders need it)", CaptureOptions.SectionName);
        }

        if (options.PixelFormat == Frames.FramePixelFormat.I420)
        {
            // Issue 14 item 3: one chroma sample per 2x2 pixels, so every analysis size must be even.
            (string Key, int Value)[] sizes = [(nameof(CaptureOptions.Width), options.Width), (nameof(CaptureOptions.Height), options.Height), (nameof(CaptureOptions.BedsWidth), options.BedsWidth), (nameof(CaptureOptions.BedsHeight), options.BedsHeight)];
            foreach (var (key, value) in sizes)
            {
                if (value % 2 != 0)
                {
                    builder.AddError($"must be even when Capture:PixelFormat is i420 (got {value})", $"{CaptureOptions.SectionName}:{key}");
                }
            }
        }

        return builder.Build();
    }
}

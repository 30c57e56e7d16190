// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PainStream.Core.Options;

/// <summary>
/// The <c>FaceQuality</c> section: when an aligned face is good enough to score. A face that fails is reported as "cannot
/// score" with a reason instead of getting a wrong number.
/// </summary>
/// <remarks>
/// The image thresholds apply to the 112-pixel aligned crop (the aligner's default size) and are measured over its inner
/// face (brows to mouth). The variance of the Laplacian depends on the crop size (upscaling a crop by k divides it by
/// roughly k⁴ on smooth content), so a gate running on another crop size needs its own <see cref="MinSharpness"/>.
/// The measured values behind each default are noted on the property.
/// </remarks>
public sealed class FaceQualityOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "FaceQuality";

    /// <summary>
    /// Gets or sets the smallest inter-ocular distance (outer eye corners, source pixels) scored; the geometric scorer
    /// uses the same measure and the same default. <value>The default value is 16.</value>
    /// </summary>
    [Range(1.0, 1000.0)]
    public double MinInterOcularPixels { get; set; } = 16;

    /// <summary>Gets or sets the largest |yaw| scored, in degrees. <value>The default value is 30.</value></summary>
    [Range(0.0, 90.0)]
    public double MaxYawDegrees { get; set; } = 30;

    /// <summary>Gets or sets the largest |pitch| scored, in degrees. <value>The default value is 20.</value></summary>
    [Range(0.0, 90.0)]
    public double MaxPitchDegrees { get; set; } = 20;

    /// <summary>
    /// Gets or sets the smallest variance of the Laplacian (3×3, grey levels²) of the inner face for a sharp image.
    /// <value>The default value is 40.</value>
    /// </summary>
    /// <remarks>
    /// Measured on the fixtures (112-px crops): sharp faces 86–108 (messi5.jpg, a 16–17 px face upscaled about 2.8×, the
    /// smallest the size check lets through), 903–914 (astronaut.png), 1536–3758 (Megamind.avi frames 40–240); an
    /// out-of-focus background face in Megamind frame 80: 3. Gaussian blur with σ = 3 px at the source: 2 (Messi), 10
    /// (astronaut), 28–32 (Megamind faces of 82–85 px inter-ocular). Larger faces blurred by 3 px stay above the limit
    /// (47–122 at 103–139 px) on purpose: in the crop the scorer sees, that blur is under 1 px.
    /// </remarks>
    [Range(0.0, 100000.0)]
    public double MinSharpness { get; set; } = 40;

    /// <summary>Gets or sets the smallest mean grey level (0–255) of the inner face. <value>The default value is 40.</value></summary>
    /// <remarks>
    /// Measured: sharp fixtures 109–180, the dim background face in Megamind frame 80: 56; copies darkened ×0.15: 16–27,
    /// ×0.3: 33–54.
    /// </remarks>
    [Range(0.0, 255.0)]
    public double MinBrightness { get; set; } = 40;

    /// <summary>Gets or sets the largest mean grey level (0–255) of the inner face. <value>The default value is 220.</value></summary>
    /// <remarks>Measured: sharp fixtures 109–180; copies brightened ×3 (saturating) 208–253, ×1.5: 155–237.</remarks>
    [Range(0.0, 255.0)]
    public double MaxBrightness { get; set; } = 220;

    /// <summary>
    /// Gets or sets the largest fraction of inner-face pixels that may be clipped white (grey level 250 or more).
    /// <value>The default value is 0.2.</value>
    /// </summary>
    /// <remarks>Measured: sharp fixtures 0.00; copies brightened ×3 (saturating) 0.35–0.96, ×1.5: 0.00–0.61.</remarks>
    [Range(0.0, 1.0)]
    public double MaxClippedFraction { get; set; } = 0.2;
}

/// <summary>Compile-time generated validator for <see cref="FaceQualityOptions"/>.</summary>
[OptionsValidator]
public sealed partial class FaceQualityOptionsValidator : IValidateOptions<FaceQualityOptions>;

/// <summary>Cross-field rules of <see cref="FaceQualityOptions"/> that attributes cannot express.</summary>
public sealed class FaceQualityOptionsRulesValidator : IValidateOptions<FaceQualityOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, FaceQualityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MinBrightness >= options.MaxBrightness)
        {
            return ValidateOptionsResult.Fail(
                $"{FaceQualityOptions.SectionName}:{nameof(FaceQualityOptions.MinBrightness)}: must be less than MaxBrightness");
        }

        return ValidateOptionsResult.Success;
    }
}

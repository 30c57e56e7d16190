// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Cameras;

/// <summary>How a camera's picture is analysed (<c>Cameras:&lt;name&gt;:Analysis</c>).</summary>
public enum AnalysisMode
{
    /// <summary>The whole frame at <c>Capture:Width</c>×<c>Height</c> (one detector pass over the camera's region): single-bed cameras.</summary>
    Frame = 0,

    /// <summary>
    /// Each bed's region, cut from the picture decoded at <c>Capture:BedsWidth</c>×<c>BedsHeight</c>: one detector pass per bed and
    /// landmarks on those pixels, so a far bed of a wide camera keeps the pixels its face needs.
    /// </summary>
    Beds = 1,
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Diagnostics;

/// <summary>Where the detect stage's faces of a frame came from.</summary>
public enum FaceSource
{
    /// <summary>The detector found them in this frame.</summary>
    Detected,

    /// <summary>Followed from the previous frame's landmarks.</summary>
    Tracked,
}

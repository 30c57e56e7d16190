// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Cameras;

/// <summary>Who lies in a bed: it picks the scorer and the score scale (<c>Cameras:&lt;name&gt;:Beds:&lt;bed&gt;:BedMode</c>; a camera setting, so Cameras does not depend on Options).</summary>
public enum BedMode
{
    /// <summary>An adult: the camera's scorer, PSPI 0–16.</summary>
    Adult = 0,

    /// <summary>An infant: the infant AU MLP, FLACC 0–10.</summary>
    Infant = 1,
}

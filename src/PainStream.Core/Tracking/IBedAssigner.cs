// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;

namespace PainStream.Core.Tracking;

/// <summary>Chooses, for each bed of a camera, the patient's face among the analysed faces of a frame.</summary>
public interface IBedAssigner
{
    /// <summary>Assigns faces to beds.</summary>
    /// <param name="observation">The frame's observation.</param>
    /// <param name="beds">The camera's beds.</param>
    /// <param name="faces">The analysed faces.</param>
    /// <param name="result">Receives one entry per bed, in bed order: the patient's face or <see langword="null"/>.</param>
    void Assign(FaceObservation observation, IReadOnlyList<BedSettings> beds, IReadOnlyList<FaceAnalysis> faces, List<FaceAnalysis?> result);

    /// <summary>Frees what is held for a camera that was removed or disabled (the patient stage calls it on its tick).</summary>
    /// <param name="camera">The camera.</param>
    void Forget(CameraId camera);
}

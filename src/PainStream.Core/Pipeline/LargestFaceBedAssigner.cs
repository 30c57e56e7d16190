// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Frames;
using PainStream.Core.Tracking;

namespace PainStream.Core.Pipeline;

/// <summary>Stateless bed assignment: the largest face whose centre lies in the bed's region.</summary>
public sealed class LargestFaceBedAssigner : IBedAssigner
{
    /// <inheritdoc/>
    public void Assign(FaceObservation observation, IReadOnlyList<BedSettings> beds, IReadOnlyList<FaceAnalysis> faces, List<FaceAnalysis?> result)
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(beds);
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(result);
        foreach (var bed in beds)
        {
            FaceAnalysis? best = null;
            foreach (var face in faces)
            {
                if (bed.Contains(face.Box.Center, observation.FrameWidth, observation.FrameHeight) && (best is null || face.Box.Area > best.Box.Area))
                {
                    best = face;
                }
            }

            result.Add(best);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Stateless: nothing is held per camera.</remarks>
    public void Forget(CameraId camera)
    {
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using PainStream.Core.Frames;

namespace PainStream.Core.Cameras;

/// <summary>
/// The current set of cameras, replaced as a whole on every valid configuration (re)load. The settings come from the
/// options through <see cref="Options.CameraOptionsResolver"/> (Cameras does not depend on Options).
/// </summary>
/// <remarks>Thread-safe: readers see one consistent snapshot; <see cref="Update"/> swaps it atomically.</remarks>
public sealed class CameraCatalog
{
    private volatile FrozenDictionary<CameraId, CameraSettings> _cameras = FrozenDictionary<CameraId, CameraSettings>.Empty;

    /// <summary>Raised after <see cref="Update"/> swapped in a new snapshot.</summary>
    public event EventHandler? Changed;

    private volatile FrozenSet<CameraId> _movedAway = FrozenSet<CameraId>.Empty;

    /// <summary>Gets the current snapshot.</summary>
    public FrozenDictionary<CameraId, CameraSettings> Current => _cameras;

    /// <summary>Gets the configured cameras that another instance watches (<see cref="ShardAssignment"/>); empty for one instance.</summary>
    public FrozenSet<CameraId> MovedAway => _movedAway;

    /// <summary>Swaps in a new snapshot and raises <see cref="Changed"/>.</summary>
    /// <param name="cameras">The new cameras.</param>
    /// <param name="movedAway">The configured cameras another instance watches (their open episodes end as moved).</param>
    public void Update(FrozenDictionary<CameraId, CameraSettings> cameras, FrozenSet<CameraId>? movedAway = null)
    {
        _movedAway = movedAway ?? FrozenSet<CameraId>.Empty;
        _cameras = cameras;
        Changed?.Invoke(this, EventArgs.Empty);
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using System.Text;
using PainStream.Core.Frames;

namespace PainStream.Core.Cameras;

/// <summary>
/// Which cameras one instance watches: rendezvous (highest-random-weight) hashing of the camera name over the shard indices.
/// </summary>
/// <remarks>
/// <para>Every instance computes the same owner for a camera from the camera name and the shard count alone, so instances
/// need no protocol between them. Going from N to N+1 shards moves only the cameras whose highest score is now the new
/// shard's, about 1/(N+1) of them, and each moves to the new shard; going back moves exactly those back. The hash is a fixed
/// FNV-1a + SplitMix64 mix (never <see cref="string.GetHashCode()"/>, which is randomised per process).</para>
/// </remarks>
/// <param name="Index">This instance's shard, from 0; at or above <paramref name="Count"/> it owns nothing.</param>
/// <param name="Count">How many shards share the cameras.</param>
/// <param name="Instance">This instance's name in MQTT; empty for a single-instance install.</param>
public sealed partial record ShardAssignment(int Index, int Count, string Instance)
{
    /// <summary>Gets the assignment of a single-instance install: every camera, no instance name.</summary>
    public static ShardAssignment OneInstance { get; } = new(0, 1, string.Empty);

    /// <summary>Gets a value indicating whether this instance is one of several (it has an instance name).</summary>
    public bool IsSharded => Instance.Length > 0;

    /// <summary>Gets the shard that owns <paramref name="camera"/> among <paramref name="count"/> shards.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="count">The shard count (at least 1).</param>
    /// <returns>The owner's index, 0 to <paramref name="count"/>−1.</returns>
    public static int OwnerOf(CameraId camera, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var key = Fnv1a(camera.Value);
        var best = 0;
        var bestScore = 0UL;
        for (var i = 0; i < count; i++)
        {
            var score = Mix(key ^ Mix((ulong)i + 0x9E3779B97F4A7C15UL));
            if (i == 0 || score > bestScore)
            {
                best = i;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>Gets whether this instance watches <paramref name="camera"/>.</summary>
    /// <param name="camera">The camera.</param>
    /// <returns><see langword="true"/> when this shard owns it.</returns>
    public bool Owns(CameraId camera) => Count <= 1 ? Index == 0 : OwnerOf(camera, Count) == Index;

    /// <summary>Keeps the cameras this instance owns.</summary>
    /// <param name="cameras">Every configured camera.</param>
    /// <returns>This shard's cameras.</returns>
    public FrozenDictionary<CameraId, CameraSettings> Filter(FrozenDictionary<CameraId, CameraSettings> cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        return Count <= 1 && Index == 0 ? cameras : cameras.Where(c => Owns(c.Key)).ToFrozenDictionary();
    }

    /// <summary>Gets the configured cameras that another shard owns.</summary>
    /// <param name="cameras">Every configured camera.</param>
    /// <returns>The cameras this instance does not watch.</returns>
    public FrozenSet<CameraId> NotOwned(FrozenDictionary<CameraId, CameraSettings> cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        return cameras.Keys.Where(c => !Owns(c)).ToFrozenSet();
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 0x100000001B3UL;
        }

        return hash;
    }

    private static ulong Mix(ulong z)
    {
        // SplitMix64's finaliser.
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using System.Globalization;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;

namespace PainStream.Core.Tests.Cameras;

public sealed class ShardAssignmentTests
{
    private static readonly CameraId[] Cameras =
        [.. Enumerable.Range(0, 600).Select(i => new CameraId("ward" + (i / 20).ToString(CultureInfo.InvariantCulture) + "-bed" + (i % 20).ToString(CultureInfo.InvariantCulture)))];

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Owns_EveryCameraHasExactlyOneOwner(int count)
    {
        var shards = Enumerable.Range(0, count).Select(i => new ShardAssignment(i, count, "shard-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();

        foreach (var camera in Cameras)
        {
            Assert.Single(shards, s => s.Owns(camera));
        }
    }

    [Fact]
    public void OwnerOf_SpreadsCamerasEvenly()
    {
        var perShard = Cameras.GroupBy(c => ShardAssignment.OwnerOf(c, 3)).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal([0, 1, 2], perShard.Keys.Order());
        Assert.All(perShard.Values, n => Assert.InRange(n, 160, 240)); // 200 each when perfectly even
    }

    [Theory]
    [InlineData(3, 4)]
    [InlineData(4, 5)]
    [InlineData(1, 2)]
    public void OwnerOf_AddingAShard_MovesOnlyToTheNewShardAboutOneNth(int before, int after)
    {
        var moved = Cameras.Where(c => ShardAssignment.OwnerOf(c, before) != ShardAssignment.OwnerOf(c, after)).ToList();

        Assert.All(moved, c => Assert.Equal(after - 1, ShardAssignment.OwnerOf(c, after)));
        var expected = Cameras.Length / (double)after;
        Assert.InRange(moved.Count, expected * 0.7, expected * 1.3);
    }

    [Fact]
    public void OwnerOf_RemovingAShard_MovesOnlyThatShardsCameras()
    {
        var moved = Cameras.Where(c => ShardAssignment.OwnerOf(c, 4) != ShardAssignment.OwnerOf(c, 3)).ToList();

        Assert.NotEmpty(moved);
        Assert.All(moved, c => Assert.Equal(3, ShardAssignment.OwnerOf(c, 4)));
    }

    [Fact]
    public void Filter_KeepsOwnedCamerasAndNotOwnedListsTheRest()
    {
        var all = Cameras.Take(30).ToFrozenDictionary(c => c, c => new CameraSettings(c, "lavfi:testsrc", true, 5, 64, 64, null));
        var shard = new ShardAssignment(1, 3, "shard-1");

        var owned = shard.Filter(all);
        var notOwned = shard.NotOwned(all);

        Assert.All(owned.Keys, c => Assert.Equal(1, ShardAssignment.OwnerOf(c, 3)));
        Assert.Equal(all.Count, owned.Count + notOwned.Count);
        Assert.Empty(notOwned.Intersect(owned.Keys));
    }

    [Fact]
    public void Owns_IndexAtOrAboveCount_OwnsNothing()
    {
        var leaving = new ShardAssignment(3, 3, "painstream-3");

        Assert.DoesNotContain(Cameras, leaving.Owns);
        Assert.DoesNotContain(Cameras, new ShardAssignment(1, 1, "shard-1").Owns);
    }

    [Fact]
    public void TryResolve_StatefulSetHostName_TakesTheOrdinalAndThePodName()
    {
        Assert.True(ShardOptionsResolver.TryResolve(new ShardOptions { Count = 3 }, "painstream-2", out var shard, out var error));

        Assert.Null(error);
        Assert.Equal(new ShardAssignment(2, 3, "painstream-2"), shard);
        Assert.True(shard.IsSharded);
    }

    [Fact]
    public void TryResolve_HostNameWithoutOrdinal_NamesTheKey()
    {
        Assert.False(ShardOptionsResolver.TryResolve(new ShardOptions { Count = 3 }, "ward-server", out _, out var error));

        Assert.StartsWith("Shard:Index:", error, StringComparison.Ordinal);
        Assert.Contains("ward-server", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_ExplicitIndexAndInstance_WinOverTheHostName()
    {
        Assert.True(ShardOptionsResolver.TryResolve(new ShardOptions { Count = 4, Index = 1 }, "painstream-2", out var byIndex, out _));
        Assert.True(ShardOptionsResolver.TryResolve(new ShardOptions { Count = 4, Index = 1, Instance = "east" }, "painstream-2", out var named, out _));

        Assert.Equal(new ShardAssignment(1, 4, "shard-1"), byIndex);
        Assert.Equal(new ShardAssignment(1, 4, "east"), named);
    }

    [Fact]
    public void TryResolve_Defaults_IsTheSingleInstance()
    {
        Assert.True(ShardOptionsResolver.TryResolve(new ShardOptions(), "painstream-2", out var shard, out _));

        Assert.Equal(ShardAssignment.OneInstance, shard);
        Assert.False(shard.IsSharded);
        Assert.All(Cameras, c => Assert.True(shard.Owns(c)));
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using PainStream.Vision.Landmarks;

namespace PainStream.Vision.Tests.Landmarks;

public sealed class HugePageArraysTests
{
    [Theory]
    [InlineData(1000)]
    [InlineData(3 * 1024 * 1024)]
    public void Floats_HoldWhatIsWrittenAndNeverMove(int count)
    {
        var array = HugePageArrays.Floats(count);
        for (var i = 0; i < array.Length; i++)
        {
            array[i] = i * 0.5f;
        }

        var before = Address(array);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        Assert.Equal(count, array.Length);
        Assert.Equal(before, Address(array));
        Assert.Equal((count - 1) * 0.5f, array[^1]);
        Assert.Equal(1.5f, array[3]);
    }

    [Fact]
    public void Create_Shorts_HoldWhatIsWrittenAndNeverMove()
    {
        var array = HugePageArrays.Create<short>(5 * 1024 * 1024);
        for (var i = 0; i < array.Length; i++)
        {
            array[i] = (short)(i % 65536 - 32768);
        }

        var before = Address(array);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        Assert.Equal(before, Address(array));
        Assert.Equal(-32768 + 7, array[7]);
        Assert.Equal((short)(((array.Length - 1) % 65536) - 32768), array[^1]);
    }

    // The handle is freed before the collection, so it does not itself keep the array in place.
    private static nint Address<T>(T[] array)
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            return handle.AddrOfPinnedObject();
        }
        finally
        {
            handle.Free();
        }
    }
}

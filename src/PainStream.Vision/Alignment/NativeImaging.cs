// Copyright (c) PainStream contributors. Licensed under the MIT License.

using OpenCvSharp;
using OpenCvSharp.Internal;
using PainStream.Core.Detection;

namespace PainStream.Vision.Alignment;

/// <summary>
/// <c>cv::warpAffine</c> through OpenCvSharp's own P/Invoke layer (<see cref="NativeMethods"/>), on headers over caller
/// memory, so a call makes no managed allocation.
/// </summary>
/// <remarks>
/// <c>Cv2.WarpAffine</c> runs the same native function, but its managed wrappers allocate a <see cref="Mat"/> for the
/// source and an <c>InputArray</c>/<c>OutputArray</c> object per argument on every call. Here the native <c>cv::Mat</c>
/// headers and array proxies are created and deleted around the call (a few small native allocations), and errors are
/// turned into <see cref="OpenCVException"/> by OpenCvSharp's <see cref="NativeMethods.HandleException"/> as usual.
/// </remarks>
internal static unsafe class NativeImaging
{
    /// <summary>Warps a BGR24 image into a BGR24 buffer with a 2×3 source-to-destination matrix.</summary>
    /// <param name="source">The source pixels.</param>
    /// <param name="transform">Maps source pixel coordinates to destination pixel coordinates.</param>
    /// <param name="destination">The destination pixels, at least <c>(height − 1)·stride + width·3</c> bytes.</param>
    /// <param name="width">Destination width.</param>
    /// <param name="height">Destination height.</param>
    /// <param name="stride">Destination row stride in bytes.</param>
    /// <param name="interpolation">Interpolation, for example <see cref="InterpolationFlags.Linear"/>.</param>
    /// <param name="border">Border mode, for example <see cref="BorderTypes.Replicate"/>.</param>
    public static void WarpAffine(
        BgrImage source,
        in SimilarityTransform transform,
        Span<byte> destination,
        int width,
        int height,
        int stride,
        InterpolationFlags interpolation,
        BorderTypes border)
    {
        if (destination.Length < ((height - 1) * stride) + (width * 3))
        {
            ThrowTooShort(nameof(destination));
        }

        Warp(source.Data, source.Width, source.Height, source.Stride, MatType.CV_8UC3, transform, destination, width, height, stride, interpolation, border);
    }

    /// <summary>Warps one plane (one byte per pixel) into a buffer with a 2×3 source-to-destination matrix.</summary>
    /// <param name="source">The source plane.</param>
    /// <param name="transform">Maps source pixel coordinates to destination pixel coordinates.</param>
    /// <param name="destination">The destination, at least <c>(height − 1)·stride + width</c> bytes.</param>
    /// <param name="width">Destination width.</param>
    /// <param name="height">Destination height.</param>
    /// <param name="stride">Destination row stride in bytes.</param>
    /// <param name="interpolation">Interpolation.</param>
    /// <param name="border">Border mode.</param>
    public static void WarpAffine(
        GrayImage source,
        in SimilarityTransform transform,
        Span<byte> destination,
        int width,
        int height,
        int stride,
        InterpolationFlags interpolation,
        BorderTypes border)
    {
        if (destination.Length < ((height - 1) * stride) + width)
        {
            ThrowTooShort(nameof(destination));
        }

        Warp(source.Data, source.Width, source.Height, source.Stride, MatType.CV_8UC1, transform, destination, width, height, stride, interpolation, border);
    }

    private static void Warp(
        ReadOnlySpan<byte> sourceData,
        int sourceWidth,
        int sourceHeight,
        int sourceStride,
        MatType type,
        in SimilarityTransform transform,
        Span<byte> destination,
        int width,
        int height,
        int stride,
        InterpolationFlags interpolation,
        BorderTypes border)
    {

        var matrix = stackalloc double[6];
        matrix[0] = transform.M00;
        matrix[1] = transform.M01;
        matrix[2] = transform.M02;
        matrix[3] = transform.M10;
        matrix[4] = transform.M11;
        matrix[5] = transform.M12;
        IntPtr srcMat = 0, dstMat = 0, mMat = 0, srcArray = 0, dstArray = 0, mArray = 0;
        fixed (byte* src = sourceData)
        fixed (byte* dst = destination)
        {
            try
            {
                Check(NativeMethods.core_Mat_new8(sourceHeight, sourceWidth, type, (IntPtr)src, sourceStride, out srcMat));
                Check(NativeMethods.core_Mat_new8(height, width, type, (IntPtr)dst, stride, out dstMat));
                Check(NativeMethods.core_Mat_new8(2, 3, MatType.CV_64FC1, (IntPtr)matrix, 3 * sizeof(double), out mMat));
                Check(NativeMethods.core_InputArray_new_byMat(srcMat, out srcArray));
                Check(NativeMethods.core_OutputArray_new_byMat(dstMat, out dstArray));
                Check(NativeMethods.core_InputArray_new_byMat(mMat, out mArray));
                Check(NativeMethods.imgproc_warpAffine(srcArray, dstArray, mArray, new Size(width, height), (int)interpolation, (int)border, default));

                // warpAffine re-creates dst only when its size or type differ, which the arguments above rule out; a
                // reallocation would leave the caller's buffer unwritten, so it is checked rather than assumed.
                Check(NativeMethods.core_Mat_data(dstMat, out var data));
                if (data != dst)
                {
                    ThrowReallocated();
                }
            }
            finally
            {
                if (mArray != 0)
                {
                    NativeMethods.core_InputArray_delete(mArray);
                }

                if (dstArray != 0)
                {
                    NativeMethods.core_OutputArray_delete(dstArray);
                }

                if (srcArray != 0)
                {
                    NativeMethods.core_InputArray_delete(srcArray);
                }

                if (mMat != 0)
                {
                    NativeMethods.core_Mat_delete(mMat);
                }

                if (dstMat != 0)
                {
                    NativeMethods.core_Mat_delete(dstMat);
                }

                if (srcMat != 0)
                {
                    NativeMethods.core_Mat_delete(srcMat);
                }
            }
        }
    }

    private static void Check(ExceptionStatus status) => NativeMethods.HandleException(status);

    private static void ThrowTooShort(string paramName) =>
        throw new ArgumentException("The destination buffer is shorter than the image it should hold.", paramName);

    private static void ThrowReallocated() =>
        throw new InvalidOperationException("OpenCV reallocated the warp destination; its size or type is wrong.");
}

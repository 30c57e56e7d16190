// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using PainStream.Core.Detection;
using PainStream.Vision.Landmarks;

namespace PainStream.Tools.Synthesis;

/// <summary>What <see cref="DemoClipBuilder.BuildAsync"/> wrote.</summary>
/// <param name="OutputPath">The MP4 file.</param>
/// <param name="FrameCount">The number of frames.</param>
/// <param name="Width">The frame width.</param>
/// <param name="Height">The frame height.</param>
/// <param name="Fps">The frame rate.</param>
/// <param name="SourceFace">The face found in the image, in the image's coordinates.</param>
/// <param name="Face">The face box in the clip's frames.</param>
/// <param name="RenderedFrames">How many distinct frames were warped (repeated shapes reuse the last frame).</param>
/// <param name="Elapsed">The wall-clock time from reading the image to the finished file.</param>
public sealed record DemoClipResult(
    string OutputPath,
    int FrameCount,
    int Width,
    int Height,
    int Fps,
    BoxF SourceFace,
    BoxF Face,
    int RenderedFrames,
    TimeSpan Elapsed);

/// <summary>
/// Makes a pain demo clip from a still face image: finds the largest face, predicts its landmarks, and renders the
/// <see cref="DemoClipTimeline"/> (neutral → grimace → neutral) through <see cref="GrimaceWarper"/> into an H.264 MP4 by
/// piping raw BGR24 frames into an ffmpeg child process.
/// </summary>
/// <remarks>
/// <para>
/// No noise is added to the frames: neutral and hold frames are byte-identical, so what changes from frame to frame is only
/// the grimace (and the encoder's quantisation). Real cameras add sensor noise and landmark jitter on top; the daemon's
/// smoothing is meant for that, and a clean clip keeps the demo deterministic. Every frame keeps the face detectable: the
/// warp only moves features inside the face by a few percent of its width.
/// </para>
/// <para>
/// The clip is written to <c>OUTPUT.partial</c> beside the output and moved into place only when ffmpeg succeeded, so a
/// failed or cancelled run never leaves a truncated clip where the daemon would play it.
/// </para>
/// <para>Thread-safe when the detector and predictor are (BlazeFace and <see cref="ShapePredictor"/> are).</para>
/// </remarks>
public sealed class DemoClipBuilder
{
    private readonly IFaceDetector _detector;
    private readonly ShapePredictor _predictor;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="DemoClipBuilder"/> class.</summary>
    /// <param name="detector">Finds the face in the image (BlazeFace back 256 suits portraits and group photos alike).</param>
    /// <param name="predictor">The 68-point landmark predictor.</param>
    /// <param name="logger">Logs the face found and the clip written; none when <see langword="null"/>.</param>
    public DemoClipBuilder(IFaceDetector detector, ShapePredictor predictor, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(predictor);
        _detector = detector;
        _predictor = predictor;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Reads and decodes an image file into packed BGR24.</summary>
    /// <param name="path">The image (PNG, JPEG, anything OpenCV decodes).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The pixels, width and height (stride <c>width * 3</c>).</returns>
    /// <exception cref="DemoClipException">The file is missing or unreadable (<see cref="DemoClipError.ImageNotFound"/>) or
    /// not a decodable image (<see cref="DemoClipError.ImageUnreadable"/>).</exception>
    public static async Task<(byte[] Pixels, int Width, int Height)> LoadImageAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            throw new DemoClipException(DemoClipError.ImageNotFound, $"cannot read the face image '{path}': {ex.Message}", ex);
        }

        using var mat = bytes.Length == 0 ? new Mat() : Cv2.ImDecode(bytes, ImreadModes.Color);
        if (mat.Empty() || mat.Type() != MatType.CV_8UC3)
        {
            throw new DemoClipException(DemoClipError.ImageUnreadable, $"'{path}' is not an image OpenCV can decode");
        }

        var (width, height) = (mat.Cols, mat.Rows);
        var stride = width * 3;
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            Marshal.Copy(mat.Ptr(y), pixels, y * stride, stride);
        }

        return (pixels, width, height);
    }

    /// <summary>Finds the largest face in <paramref name="image"/> and builds the clip's scene around it.</summary>
    /// <param name="image">The face image.</param>
    /// <param name="options">Output size and face width.</param>
    /// <param name="sourceFace">Receives the face found, in <paramref name="image"/>'s coordinates.</param>
    /// <returns>The scene.</returns>
    /// <exception cref="DemoClipException">No face scores at least <see cref="DemoClipOptions.MinFaceScore"/> (<see cref="DemoClipError.NoFace"/>).</exception>
    public DemoClipScene CreateScene(BgrImage image, DemoClipOptions options, out DetectedFace sourceFace)
    {
        ArgumentNullException.ThrowIfNull(options);
        sourceFace = FaceSearch.FindLargest(_detector, image, options.MinFaceScore)
            ?? throw new DemoClipException(DemoClipError.NoFace, $"no face found in the {image.Width}x{image.Height} image (detector {_detector.Name}, minimum score {options.MinFaceScore})");
        return DemoClipScene.Create(image, sourceFace.Box, _predictor, options);
    }

    /// <summary>Makes the demo clip of the face in <paramref name="imagePath"/>.</summary>
    /// <param name="imagePath">The face image.</param>
    /// <param name="outputPath">The MP4 to write (replaced if it exists; its directory is created).</param>
    /// <param name="options">Framing, durations and the ffmpeg executable.</param>
    /// <param name="cancellationToken">Cancels the build; ffmpeg is killed and no output is left behind.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="DemoClipException">The image is missing or unreadable, has no face, or ffmpeg failed; the message says which.</exception>
    public async Task<DemoClipResult> BuildAsync(string imagePath, string outputPath, DemoClipOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        ArgumentNullException.ThrowIfNull(options);
        var started = Stopwatch.GetTimestamp();
        var timeline = new DemoClipTimeline(options);
        var (pixels, width, height) = await LoadImageAsync(imagePath, cancellationToken);
        var scene = CreateScene(new BgrImage(pixels, width, height, width * 3), options, out var face);
        _logger.DemoClipFaceFound(imagePath, face.Box.ToString(), face.Score, scene.Scale);

        var rendered = await WriteAsync(scene, timeline, outputPath, options.FfmpegPath, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        _logger.DemoClipWritten(outputPath, timeline.FrameCount, rendered, elapsed.TotalSeconds);
        return new DemoClipResult(Path.GetFullPath(outputPath), timeline.FrameCount, scene.Width, scene.Height, timeline.Fps, face.Box, scene.Face, rendered, elapsed);
    }

    /// <summary>Renders every frame of <paramref name="timeline"/> and encodes them into <paramref name="outputPath"/>.</summary>
    /// <param name="scene">The face.</param>
    /// <param name="timeline">Which grimace each frame shows.</param>
    /// <param name="outputPath">The MP4 to write.</param>
    /// <param name="ffmpegPath">The ffmpeg executable.</param>
    /// <param name="cancellationToken">Cancels the encode.</param>
    /// <returns>The number of distinct frames rendered.</returns>
    /// <exception cref="DemoClipException">ffmpeg cannot be started or fails.</exception>
    public static Task<int> WriteAsync(DemoClipScene scene, DemoClipTimeline timeline, string outputPath, string ffmpegPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(timeline);
        GrimaceShape? last = null;
        return WriteFramesAsync(scene.Width, scene.Height, timeline.Fps, timeline.FrameCount, outputPath, ffmpegPath, (i, frame) =>
        {
            var shape = timeline.ShapeAt(i);
            if (shape == last)
            {
                return false;
            }

            scene.Render(shape, frame);
            last = shape;
            return true;
        }, cancellationToken);
    }

    /// <summary>Makes the four-bed ward demo (issue 12 item 3) from one face image per bed.</summary>
    /// <param name="imagePaths">One face image per bed of <paramref name="ward"/>, in order; the first bed grimaces.</param>
    /// <param name="outputPath">The MP4 to write (replaced if it exists; its directory is created).</param>
    /// <param name="options">The grimacing bed's durations, the frame rate, the detector score and the ffmpeg executable
    /// (its output size is not used: the ward's is).</param>
    /// <param name="ward">The ward's layout and the neutral beds' movements.</param>
    /// <param name="cancellationToken">Cancels the build; ffmpeg is killed and no output is left behind.</param>
    /// <returns>What was written (<see cref="DemoClipResult.SourceFace"/> and <see cref="DemoClipResult.Face"/> are the first bed's).</returns>
    /// <exception cref="ArgumentException">The options are invalid, or the number of images is not the number of beds.</exception>
    /// <exception cref="DemoClipException">An image is missing or unreadable, has no face, or ffmpeg failed; the message says which.</exception>
    public async Task<(DemoClipResult Clip, WardScene Scene, WardTimeline Timeline)> BuildWardAsync(
        IReadOnlyList<string> imagePaths, string outputPath, DemoClipOptions options, WardSceneOptions ward, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ward);
        var started = Stopwatch.GetTimestamp();
        var timeline = new WardTimeline(options, ward);
        if (imagePaths.Count != ward.Beds.Count)
        {
            throw new ArgumentException($"The ward has {ward.Beds.Count} beds and needs {ward.Beds.Count} face images; got {imagePaths.Count}.", nameof(imagePaths));
        }

        var faces = new List<(byte[] Pixels, int Width, int Height, BoxF Face)>();
        DetectedFace? firstFace = null;
        foreach (var path in imagePaths)
        {
            var (pixels, width, height) = await LoadImageAsync(path, cancellationToken);
            var face = FaceSearch.FindLargest(_detector, new BgrImage(pixels, width, height, width * 3), options.MinFaceScore)
                ?? throw new DemoClipException(DemoClipError.NoFace, $"no face found in '{path}' ({width}x{height}, detector {_detector.Name}, minimum score {options.MinFaceScore})");
            firstFace ??= face;
            _logger.DemoClipFaceFound(path, face.Box.ToString(), face.Score, ward.Beds[faces.Count].InterOcularPixels);
            faces.Add((pixels, width, height, face.Box));
        }

        var scene = WardScene.Create(faces, _predictor, ward);
        var shapes = new GrimaceShape[timeline.BedCount];
        var previous = new GrimaceShape[timeline.BedCount];
        var first = true;
        var rendered = await WriteFramesAsync(scene.Width, scene.Height, timeline.Fps, timeline.FrameCount, outputPath, options.FfmpegPath, (i, frame) =>
        {
            for (var b = 0; b < shapes.Length; b++)
            {
                shapes[b] = timeline.ShapeAt(b, i);
            }

            if (!first && shapes.AsSpan().SequenceEqual(previous))
            {
                return false;
            }

            scene.Render(shapes, frame);
            shapes.CopyTo(previous, 0);
            first = false;
            return true;
        }, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        _logger.DemoClipWritten(outputPath, timeline.FrameCount, rendered, elapsed.TotalSeconds);
        var clip = new DemoClipResult(Path.GetFullPath(outputPath), timeline.FrameCount, scene.Width, scene.Height, timeline.Fps, firstFace!.Box, scene.Patients[0].Face, rendered, elapsed);
        return (clip, scene, timeline);
    }

    /// <summary>Encodes <paramref name="frameCount"/> frames that <paramref name="render"/> draws into <paramref name="outputPath"/>.</summary>
    /// <param name="width">The frame width.</param>
    /// <param name="height">The frame height.</param>
    /// <param name="fps">The frame rate.</param>
    /// <param name="frameCount">The number of frames.</param>
    /// <param name="outputPath">The MP4 to write.</param>
    /// <param name="ffmpegPath">The ffmpeg executable.</param>
    /// <param name="render">Draws frame <c>i</c> into the buffer and returns true, or returns false to repeat the buffer as it is.</param>
    /// <param name="cancellationToken">Cancels the encode.</param>
    /// <returns>The number of frames drawn.</returns>
    private static async Task<int> WriteFramesAsync(int width, int height, int fps, int frameCount, string outputPath, string ffmpegPath, Func<int, byte[], bool> render, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        ArgumentException.ThrowIfNullOrEmpty(ffmpegPath);
        var output = Path.GetFullPath(outputPath);
        var partial = output + ".partial";
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);

        RawVideoEncoder encoder;
        try
        {
            encoder = RawVideoEncoder.Start(ffmpegPath, RawVideoEncoder.Arguments(width, height, fps, partial));
        }
        catch (Win32Exception ex)
        {
            throw new DemoClipException(DemoClipError.EncoderUnavailable, $"cannot start ffmpeg ('{ffmpegPath}'): {ex.Message}", ex);
        }

        var succeeded = false;
        try
        {
            var frame = new byte[width * height * 3];
            var rendered = 0;
            for (var i = 0; i < frameCount; i++)
            {
                if (render(i, frame))
                {
                    rendered++;
                }

                try
                {
                    await encoder.WriteFrameAsync(frame, cancellationToken);
                }
                catch (IOException ex)
                {
                    var code = await encoder.ExitCodeAfterFailureAsync();
                    throw new DemoClipException(
                        DemoClipError.EncoderFailed,
                        $"ffmpeg stopped taking frames at frame {i} of {frameCount} (exit code {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}) writing '{output}': {Describe(encoder)}",
                        ex);
                }
            }

            var exitCode = await encoder.CompleteAsync(cancellationToken);
            if (exitCode != 0)
            {
                throw new DemoClipException(DemoClipError.EncoderFailed, $"ffmpeg failed with exit code {exitCode} writing '{output}': {Describe(encoder)}");
            }

            try
            {
                File.Move(partial, output, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new DemoClipException(DemoClipError.EncoderFailed, $"cannot move the finished clip to '{output}': {ex.Message}", ex);
            }

            succeeded = true;
            return rendered;
        }
        finally
        {
            await encoder.DisposeAsync();
            if (!succeeded)
            {
                TryDelete(partial);
            }
        }
    }

    private static string Describe(RawVideoEncoder encoder)
    {
        var lines = encoder.LastErrorLines();
        return lines.Length == 0 ? "(ffmpeg wrote nothing on stderr)" : lines;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // By design: a leftover .partial file is harmless (it is never played) and is overwritten by the next run.
        }
    }
}

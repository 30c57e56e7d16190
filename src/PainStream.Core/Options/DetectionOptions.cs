// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.ComponentModel.DataAnnotations;

namespace PainStream.Core.Options;

/// <summary>Which face detector runs.</summary>
public enum DetectorKind
{
    /// <summary>BlazeFace short-range (front camera) model, 128x128 input: faces that fill a good part of the region.</summary>
    BlazeFaceFront,

    /// <summary>BlazeFace full-range (back camera) model, 256x256 input: smaller, farther faces, about 5x the cost.</summary>
    BlazeFaceBack,

    /// <summary>OpenCV Haar cascade: slower and with more false positives; a fallback when no ONNX model can run.</summary>
    Haar,
}

/// <summary>Which ONNX Runtime execution provider runs the models.</summary>
public enum ExecutionProviderKind
{
    /// <summary>CUDA when the native provider loads, CPU otherwise (logged once at start).</summary>
    Auto,

    /// <summary>CPU only.</summary>
    Cpu,

    /// <summary>CUDA, failing at start when it cannot load.</summary>
    Cuda,
}

/// <summary>The <c>Detection</c> section. Model paths and the detector kind need a restart; <see cref="MinScore"/> too, for now.</summary>
public sealed class DetectionOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Detection";

    /// <summary>Gets or sets the detector. <value>The default value is <see cref="DetectorKind.BlazeFaceFront"/>.</value></summary>
    public DetectorKind Detector { get; set; } = DetectorKind.BlazeFaceFront;

    /// <summary>Gets or sets the models directory (absolute, or relative to the content root). <value>The default value is <c>models</c>.</value></summary>
    [Required]
    public string ModelsDirectory { get; set; } = "models";

    /// <summary>Gets or sets the Haar cascade file for <see cref="DetectorKind.Haar"/>.</summary>
    [Required]
    public string HaarCascadePath { get; set; } = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

    /// <summary>Gets or sets the minimum detector score for a face. <value>The default value is 0.6.</value></summary>
    [Range(0.05, 0.99)]
    public double MinScore { get; set; } = 0.6;

    /// <summary>Gets or sets the IoU above which overlapping boxes are merged (weighted NMS). <value>The default value is 0.3.</value></summary>
    [Range(0.05, 0.95)]
    public double NmsIoU { get; set; } = 0.3;

    /// <summary>Gets or sets the most faces reported per frame. <value>The default value is 8.</value></summary>
    [Range(1, 64)]
    public int MaxFaces { get; set; } = 8;

    /// <summary>Gets or sets the number of detect workers sharing the model. <value>The default value is 1.</value></summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 1;

    /// <summary>Gets or sets the ONNX Runtime execution provider. <value>The default value is <see cref="ExecutionProviderKind.Auto"/>.</value></summary>
    public ExecutionProviderKind ExecutionProvider { get; set; } = ExecutionProviderKind.Auto;

    /// <summary>Gets or sets ONNX Runtime's intra-op threads per session run; 1 suits many small calls. <value>The default value is 1.</value></summary>
    [Range(1, 64)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// Gets or sets how often the detector runs on a camera whose faces are followed: at least once in this many analysed
    /// frames (and whenever no face is followed or a followed face's fit degrades). Between detections each face's search
    /// box comes from its previous landmarks. 1 detects every frame; the default 5 is one second at 5 fps, so a nurse
    /// walking in is seen within a second.
    /// </summary>
    [Range(1, 250)]
    public int RedetectEveryFrames { get; set; } = 5;

    /// <summary>
    /// Gets or sets the most frames a detect worker takes off the capture queue at once: it takes one and the frames already
    /// waiting (never waiting for more, at most one per camera), and every tile of every frame due for detection goes to
    /// the detector in one batch (one ONNX Runtime run for BlazeFace, up to 16 images). 1 processes one frame at a time.
    /// On the CPU a batched BlazeFace run costs more per image than single runs (measured: +11 % at 4 images, +39 % at 8
    /// for front 128 on a 2-core Xeon), so the default is 1; batching is for GPU detectors, where one run of many images
    /// replaces many small kernel launches. <value>The default value is 1.</value>
    /// </summary>
    [Range(1, 64)]
    public int MaxBatch { get; set; } = 1;

    /// <summary>The cascade count of the 68-point shape predictor (dlib's iBUG 300-W model), the largest <see cref="FollowCascades"/>.</summary>
    public const int ShapePredictorCascades = 15;

    /// <summary>
    /// Gets or sets how many of the shape predictor's cascades run on a face followed between detections (issue 14): the
    /// first ones, from the mean face in the box predicted from its previous landmarks; the last cascades only refine, and
    /// the cost is proportional to the cascades run. <see cref="ShapePredictorCascades"/> runs them all, as for a detected
    /// face. <value>The default value is 10 (measured: issue 14, README).</value>
    /// </summary>
    [Range(1, ShapePredictorCascades)]
    public int FollowCascades { get; set; } = 10;
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Numerics;
using OpenCvSharp;
using OpenCvSharp.Internal;
using PainStream.Core.Detection;

namespace PainStream.Vision.Alignment;

/// <summary>
/// Estimates head pose from 68 landmarks with <c>cv::solvePnP</c> against a generic 3-D face.
/// </summary>
/// <remarks>
/// <para>
/// <b>Face model.</b> Eleven landmarks that a facial expression does not move: the nose root, the nose bridge (28,
/// 29), the nose tip, the nostril wings and subnasale, and the four eye corners (see <see cref="ModelLandmarks"/> and
/// <see cref="ModelPoints"/>). The brows (AU4), lids (AU6/7/43), upper lip (AU9/10), mouth corners and the jaw (mouth
/// opening, AU25–27) are left out on purpose: with the mouth corners and the chin in the model a strong grimace read as
/// a pitch of −24°, and an open mouth as +9 to +13°, so the gate refused faces exactly when the pain was worst. The face
/// contour (jaw points 0–2, 14–16) was tried and left out: a silhouette, it slides with yaw and moved turned faces by
/// 5–6° without making any estimate better. Millimetres, origin at the nose tip, x towards the
/// subject's left (the image's right in a frontal view), y down, z into the head, so the frontal pose is the identity
/// rotation in OpenCV's camera axes. x and y are dlib's own 68-point mean shape scaled to a biocular (outer eye corner)
/// width of 90 mm, the adult mean in Farkas' anthropometric norms: a frontal face of average proportions therefore
/// projects onto the shape the landmark model predicts for it, and frontal fixtures read near 0°. The depths z are
/// rounded adult soft-tissue profile values (nose tip protrusion about 18 mm in front of the subnasale and 22 mm in
/// front of the nasion, the dorsum straight between them, inner eye corners about 10 mm and outer corners about 26 mm
/// behind the nasion). They set how strongly yaw and pitch foreshorten the face; an individual face differing from them
/// shifts the estimate by a few degrees, which is why a patient's pose is judged relative to their own neutral pose
/// once a baseline exists (see the README, "Head pose").
/// </para>
/// <para>
/// <b>Camera.</b> Uncalibrated: focal length = image width in pixels (a horizontal field of view of about 53°), principal
/// point at the image centre, no distortion. The landmarks must therefore be in full-frame coordinates with the frame's
/// size passed in, not in the coordinates of a region of interest.
/// </para>
/// <para>
/// <b>Solver and angles.</b> <c>SOLVEPNP_SQPNP</c> (a globally optimal non-minimal solver, no initial guess, no
/// RANSAC) gives the model-to-camera rotation R. Because a face off the optical axis that looks at the camera is seen
/// frontally, R is expressed relative to the line of sight to the nose tip (the rotation taking the optical axis onto
/// that ray is divided out) and decomposed as in <see cref="HeadPoseEstimate"/>. Yaw and pitch thus describe how the
/// face appears, which is what limits the landmark proxies.
/// </para>
/// <para>
/// <b>Threading and memory.</b> Not thread-safe (it owns the point buffers it hands to OpenCV); use one per worker
/// thread. After construction a call makes no managed allocation.
/// </para>
/// </remarks>
public sealed class HeadPoseEstimator
{
    private const int SolvePnPSqpnp = (int)SolvePnPMethod.SQPNP;

    private static readonly int[] Landmarks =
    [
        Face68.NoseRoot, 28, 29, Face68.NoseTip, Face68.RightNostril, Face68.Subnasale, Face68.LeftNostril,
        Face68.RightEyeOuter, Face68.RightEyeInner, Face68.LeftEyeInner, Face68.LeftEyeOuter,
    ];

    // x, y from dlib's mean shape (×157.3 mm per unit, centred on the nose tip); z from adult profile norms (see remarks).
    private static readonly Vector3[] Model =
    [
        new(0f, -38.0f, 22f),       // 27 nose root (nasion)
        new(0f, -25.4f, 14.7f),     // 28 upper nose bridge (dorsum, a third of the way to the tip)
        new(0f, -12.9f, 7.5f),      // 29 lower nose bridge
        new(0f, 0f, 0f),            // 30 nose tip (pronasale)
        new(-15.0f, 8.7f, 22f),     // 31 right nostril wing
        new(0f, 13.6f, 18f),        // 33 subnasale
        new(15.0f, 8.7f, 22f),      // 35 left nostril wing
        new(-45.0f, -36.4f, 48f),   // 36 right eye outer corner (exocanthion)
        new(-19.0f, -34.5f, 32f),   // 39 right eye inner corner (endocanthion)
        new(19.0f, -34.5f, 32f),    // 42 left eye inner corner
        new(45.0f, -36.4f, 48f),    // 45 left eye outer corner
    ];

    private readonly int[] _landmarks;
    private readonly Point3f[] _objectPoints;
    private readonly Point2f[] _imagePoints;
    private readonly double[] _rvec = new double[3];
    private readonly double[] _tvec = new double[3];

    /// <summary>Initializes a new instance of the <see cref="HeadPoseEstimator"/> class.</summary>
    public HeadPoseEstimator()
        : this(Landmarks, Model)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="HeadPoseEstimator"/> class with another point set (experiments).</summary>
    internal HeadPoseEstimator(int[] landmarks, Vector3[] model)
    {
        _landmarks = landmarks;
        _objectPoints = new Point3f[model.Length];
        for (var i = 0; i < model.Length; i++)
        {
            _objectPoints[i] = new Point3f(model[i].X, model[i].Y, model[i].Z);
        }

        _imagePoints = new Point2f[model.Length];
    }

    /// <summary>Gets the landmark indices (iBUG 300-W) the pose is solved from, in the order of <see cref="ModelPoints"/>.</summary>
    public static ReadOnlySpan<int> ModelLandmarks => Landmarks;

    /// <summary>Gets the generic face's 3-D points in millimetres (origin nose tip, x to the subject's left, y down, z into the head).</summary>
    public static ReadOnlySpan<Vector3> ModelPoints => Model;

    /// <summary>Estimates the head pose of one face.</summary>
    /// <param name="landmarks">The face's 68 landmarks in full-frame pixel coordinates.</param>
    /// <param name="imageWidth">The frame width in pixels (sets the assumed focal length and principal point).</param>
    /// <param name="imageHeight">The frame height in pixels.</param>
    /// <param name="pose">Receives the pose, or <see langword="default"/> when this returns <see langword="false"/>.</param>
    /// <returns><see langword="false"/> when a landmark is not finite, or the solver fails or finds no pose with the face in
    /// front of the camera.</returns>
    /// <exception cref="ArgumentException">Fewer than 68 landmarks.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The image size is not positive.</exception>
    public unsafe bool TryEstimate(ReadOnlySpan<PointF> landmarks, int imageWidth, int imageHeight, out HeadPoseEstimate pose)
    {
        pose = default;
        if (landmarks.Length < Face68.Count)
        {
            ThrowTooFewLandmarks(landmarks.Length, nameof(landmarks));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageHeight);

        for (var i = 0; i < _landmarks.Length; i++)
        {
            var p = landmarks[_landmarks[i]];
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y))
            {
                return false;
            }

            _imagePoints[i] = new Point2f(p.X, p.Y);
        }

        // Element by element: a stackalloc initializer with non-constant values allocated a managed array here.
        var camera = stackalloc double[9];
        new Span<double>(camera, 9).Clear();
        camera[0] = imageWidth;
        camera[2] = (imageWidth - 1) / 2.0;
        camera[4] = imageWidth;
        camera[5] = (imageHeight - 1) / 2.0;
        camera[8] = 1;
        try
        {
            NativeMethods.HandleException(NativeMethods.calib3d_solvePnP_vector(
                _objectPoints, _objectPoints.Length, _imagePoints, _imagePoints.Length, camera, null, 0, _rvec, _tvec, 0, SolvePnPSqpnp));
        }
        catch (OpenCVException)
        {
            // By design: degenerate landmarks (for example all on one point) make the solver assert; that is "no pose".
            return false;
        }

        var t = new Vector3((float)_tvec[0], (float)_tvec[1], (float)_tvec[2]);
        if (!(t.Z > 0) || !float.IsFinite(t.X) || !float.IsFinite(t.Y) || !double.IsFinite(_rvec[0]) || !double.IsFinite(_rvec[1]) || !double.IsFinite(_rvec[2]))
        {
            return false;
        }

        var rotation = Rodrigues(_rvec[0], _rvec[1], _rvec[2]);
        pose = ToAngles(Matrix3.Multiply(Matrix3.Transpose(LineOfSight(_tvec[0], _tvec[1], _tvec[2])), rotation));
        return true;
    }

    /// <summary>Decomposes a model-to-camera rotation (relative to the line of sight) into the documented angles.</summary>
    /// <param name="r">The rotation.</param>
    /// <returns>The pose.</returns>
    internal static HeadPoseEstimate ToAngles(in Matrix3 r)
    {
        // R = Ry(ψ)·Rx(θ)·Rz(φ): R12 = −sin θ, R02 = sin ψ cos θ, R22 = cos ψ cos θ, R10 = cos θ sin φ, R11 = cos θ cos φ.
        const double Deg = 180 / Math.PI;
        var theta = Math.Asin(Math.Clamp(-r.M12, -1, 1));
        var psi = Math.Atan2(r.M02, r.M22);
        var phi = Math.Atan2(r.M10, r.M11);
        return new HeadPoseEstimate((float)(psi * Deg), (float)(-theta * Deg), (float)(phi * Deg));
    }

    /// <summary>The rotation vector to matrix formula of <c>cv::Rodrigues</c>.</summary>
    internal static Matrix3 Rodrigues(double x, double y, double z)
    {
        var angle = Math.Sqrt((x * x) + (y * y) + (z * z));
        if (angle < 1e-12)
        {
            return Matrix3.Identity;
        }

        double kx = x / angle, ky = y / angle, kz = z / angle;
        double c = Math.Cos(angle), s = Math.Sin(angle), v = 1 - c;
        return new Matrix3(
            (kx * kx * v) + c,
            (kx * ky * v) - (kz * s),
            (kx * kz * v) + (ky * s),
            (ky * kx * v) + (kz * s),
            (ky * ky * v) + c,
            (ky * kz * v) - (kx * s),
            (kz * kx * v) - (ky * s),
            (kz * ky * v) + (kx * s),
            (kz * kz * v) + c);
    }

    /// <summary>The smallest rotation that turns the optical axis (0, 0, 1) onto the ray towards <c>(x, y, z)</c>.</summary>
    internal static Matrix3 LineOfSight(double x, double y, double z)
    {
        var norm = Math.Sqrt((x * x) + (y * y) + (z * z));
        double dx = x / norm, dy = y / norm, dz = z / norm;

        // Axis (0,0,1) × d = (−dy, dx, 0), angle acos(dz).
        var sin = Math.Sqrt((dx * dx) + (dy * dy));
        if (sin < 1e-12)
        {
            return Matrix3.Identity;
        }

        return Rodrigues(-dy / sin * Math.Atan2(sin, dz), dx / sin * Math.Atan2(sin, dz), 0);
    }

    private static void ThrowTooFewLandmarks(int count, string paramName) =>
        throw new ArgumentException($"Head pose needs {Face68.Count} landmarks, got {count}.", paramName);

    /// <summary>A row-major 3×3 matrix of doubles.</summary>
    internal readonly record struct Matrix3(double M00, double M01, double M02, double M10, double M11, double M12, double M20, double M21, double M22)
    {
        public static readonly Matrix3 Identity = new(1, 0, 0, 0, 1, 0, 0, 0, 1);

        public static Matrix3 Multiply(in Matrix3 a, in Matrix3 b) => new(
            (a.M00 * b.M00) + (a.M01 * b.M10) + (a.M02 * b.M20),
            (a.M00 * b.M01) + (a.M01 * b.M11) + (a.M02 * b.M21),
            (a.M00 * b.M02) + (a.M01 * b.M12) + (a.M02 * b.M22),
            (a.M10 * b.M00) + (a.M11 * b.M10) + (a.M12 * b.M20),
            (a.M10 * b.M01) + (a.M11 * b.M11) + (a.M12 * b.M21),
            (a.M10 * b.M02) + (a.M11 * b.M12) + (a.M12 * b.M22),
            (a.M20 * b.M00) + (a.M21 * b.M10) + (a.M22 * b.M20),
            (a.M20 * b.M01) + (a.M21 * b.M11) + (a.M22 * b.M21),
            (a.M20 * b.M02) + (a.M21 * b.M12) + (a.M22 * b.M22));

        public static Matrix3 Transpose(in Matrix3 a) => new(a.M00, a.M10, a.M20, a.M01, a.M11, a.M21, a.M02, a.M12, a.M22);
    }
}

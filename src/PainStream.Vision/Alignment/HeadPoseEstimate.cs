// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Vision.Alignment;

/// <summary>
/// A head pose in degrees, relative to the camera's line of sight to the face (0, 0, 0 is a face looking straight at
/// the camera, wherever it is in the frame).
/// </summary>
/// <remarks>
/// The rotation from the frontal pose is <c>R = Ry(yaw) · Rx(−pitch) · Rz(roll)</c> in OpenCV camera axes (x right, y
/// down, z away from the camera): yaw about the vertical axis, then pitch about the horizontal axis, then roll about the
/// line of sight, each in (−180, 180].
/// </remarks>
/// <param name="YawDegrees">Positive when the face is turned towards the image's left (the subject's right cheek turns away
/// from the camera, the nose points left in the image); negative when turned towards the image's right.</param>
/// <param name="PitchDegrees">Positive when the face is turned up (chin raised, the nose points towards the top of the
/// image); negative when looking down.</param>
/// <param name="RollDegrees">In-plane tilt, positive clockwise as seen in the image (the subject's left eye, on the image's
/// right, moves down).</param>
public readonly record struct HeadPoseEstimate(float YawDegrees, float PitchDegrees, float RollDegrees);

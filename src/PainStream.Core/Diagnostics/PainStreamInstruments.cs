// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Core.Diagnostics;

/// <summary>Metric names (dotted OpenTelemetry style; Prometheus shows them with underscores and unit suffixes).</summary>
public static class PainStreamInstruments
{
    /// <summary>The meter every PainStream instrument belongs to.</summary>
    public const string MeterName = "PainStream";

    /// <summary>Tag carrying the camera name.</summary>
    public const string CameraTag = "camera.id";

    /// <summary>Tag carrying a queue name.</summary>
    public const string QueueTag = "queue";

    /// <summary>Frames read from ffmpeg (counter, per camera).</summary>
    public const string FramesCaptured = "painstream.frames.captured";

    /// <summary>Frames evicted from the capture → detect channel (counter, per camera).</summary>
    public const string FramesDropped = "painstream.frames.dropped";

    /// <summary>Frames through detection (counter, per camera).</summary>
    public const string FramesProcessed = "painstream.frames.processed";

    /// <summary>Frame buffers rented and not returned (gauge).</summary>
    public const string FramesOutstanding = "painstream.frames.outstanding";

    /// <summary>Detection time per frame (histogram, seconds).</summary>
    public const string DetectDuration = "painstream.detect.duration";

    /// <summary>Capture → detection-done latency per frame (histogram, seconds).</summary>
    public const string PipelineLatency = "painstream.pipeline.latency";

    /// <summary>Items waiting in a pipeline channel (gauge, per queue).</summary>
    public const string QueueDepth = "painstream.queue.depth";

    /// <summary>1 when the camera delivers frames, 0 otherwise (gauge, per camera).</summary>
    public const string CameraUp = "painstream.camera.up";

    /// <summary>Measured keyframe interval of a camera in keyframes decode mode (gauge, seconds, per camera).</summary>
    public const string CameraKeyframeInterval = "painstream.camera.keyframe_interval";

    /// <summary>Capture restarts (counter, per camera).</summary>
    public const string CameraReconnects = "painstream.camera.reconnects";

    /// <summary>1 when connected to the MQTT broker (gauge).</summary>
    public const string MqttConnected = "painstream.mqtt.connected";

    /// <summary>MQTT messages sent (counter, per kind).</summary>
    public const string MqttPublished = "painstream.mqtt.published";

    /// <summary>Best-effort MQTT messages dropped while the broker was away (counter, per kind).</summary>
    public const string MqttDropped = "painstream.mqtt.dropped";

    /// <summary>Messages waiting in the durable alert outbox for the broker's acknowledgement (gauge).</summary>
    public const string MqttOutboxDepth = "painstream.mqtt.outbox.depth";

    /// <summary>Outbox messages dropped by the overflow policy (counter, per kind and reason; never <c>new</c> or <c>end</c>).</summary>
    public const string MqttOutboxDropped = "painstream.mqtt.outbox.dropped";

    /// <summary>Nurse-station commands received (counter, per command and result).</summary>
    public const string MqttCommands = "painstream.mqtt.commands";

    /// <summary>
    /// Counter: faces analysed (landmarks, pose, quality) by the detect stage, tagged with camera and <c>source</c>:
    /// <c>detected</c> (the detector found it in this frame) or <c>tracked</c> (followed from the previous frame's landmarks).
    /// </summary>
    public const string FacesAnalysed = "painstream.faces.analysed";

    /// <summary>Items that failed in a stage and were skipped (counter, per stage).</summary>
    public const string StageErrors = "painstream.stage.errors";

    /// <summary>Counter: alert episode events, tagged with camera, type and reason.</summary>
    public const string AlertEvents = "painstream.alerts.events";

    /// <summary>
    /// Capture of the frame whose processing raised an alert event → the broker's acknowledgement (PUBACK) of that event
    /// (histogram, seconds, tagged with <c>type</c> and <c>reason</c>). Only events raised while processing a frame are
    /// measured: those raised by the one-second tick or by a command have no frame.
    /// </summary>
    public const string AlertLatency = "painstream.alert.latency";

    /// <summary>Histogram, images: how many images (frame tiles) each face detector batch call took (<c>Detection:MaxBatch</c>).</summary>
    public const string DetectBatchSize = "painstream.detect.batch.size";

    /// <summary>Tag naming a learned model (<c>Scoring:Models</c> key's manifest name).</summary>
    public const string ModelTag = "model";

    /// <summary>Histogram, seconds: one learned-model batch (tensor prep, session run, post-processing), tagged with <see cref="ModelTag"/>.</summary>
    public const string InferenceBatchDuration = "painstream.inference.batch.duration";

    /// <summary>Histogram, faces: the size of each learned-model batch, tagged with <see cref="ModelTag"/>.</summary>
    public const string InferenceBatchSize = "painstream.inference.batch.size";

    /// <summary>Counter: faces submitted to a learned model, tagged with <see cref="ModelTag"/> and <c>outcome</c> (scored, failed, overloaded, stopped).</summary>
    public const string InferenceFaces = "painstream.inference.faces";
}

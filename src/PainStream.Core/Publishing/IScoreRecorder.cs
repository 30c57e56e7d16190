// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Alerting;
using PainStream.Core.Frames;

namespace PainStream.Core.Publishing;

/// <summary>
/// Receives every sample a bed's alert state machine is stepped with, and every alert event it emits, so they can be kept
/// (the score history) and the policy re-run over them later (<see cref="AlertReplay"/>). Must not block: called under the
/// patient stage's lock.
/// </summary>
public interface IScoreRecorder
{
    /// <summary>Records one step of a bed's machine.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="at">The machine's clock at the step (what <see cref="PatientAlertMachine.Step"/> was given).</param>
    /// <param name="sample">The sample.</param>
    /// <param name="smoothed">The smoothed score after the step.</param>
    /// <param name="state">The bed's state after the step.</param>
    void RecordSample(CameraId camera, string bed, DateTimeOffset at, in ScoreSample sample, double? smoothed, PainAlertState state);

    /// <summary>Records a timer tick of a bed's machine (<see cref="PatientAlertMachine.Tick"/>), so replay ticks when the daemon did.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="at">The machine's clock at the tick.</param>
    void RecordTick(CameraId camera, string bed, DateTimeOffset at);

    /// <summary>Records an alert event as emitted.</summary>
    /// <param name="alert">The event.</param>
    void RecordEvent(AlertEvent alert);
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Frames;

namespace PainStream.Core.Publishing;

/// <summary>A command from the nurse station.</summary>
public enum AlertCommandKind
{
    /// <summary><c>…/ack</c>: acknowledge the bed's open episodes.</summary>
    Acknowledge,

    /// <summary><c>…/snooze</c> with <c>{"minutes":n}</c>: end the pain episode and hold back new ones for n minutes.</summary>
    Snooze,

    /// <summary><c>…/baseline/reset</c>: forget the patient's neutral baseline (a new patient).</summary>
    BaselineReset,
}

/// <summary>A parsed, validated command for one bed.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Camera">The camera.</param>
/// <param name="Bed">The bed.</param>
/// <param name="Minutes">Snooze minutes (only for <see cref="AlertCommandKind.Snooze"/>).</param>
/// <param name="By">Who the payload says sent it (free text, not verified: only logged).</param>
/// <param name="User">
/// The sender as the broker authenticated it (the embedded broker's user, or <c>anonymous:&lt;client id&gt;</c>), or
/// <see langword="null"/> when the broker does not say; recorded in the reply and the alert events the command causes.
/// </param>
public sealed record AlertCommand(AlertCommandKind Kind, CameraId Camera, string Bed, int Minutes = 0, string? By = null, string? User = null);

/// <summary>The outcome of a command.</summary>
/// <param name="Ok">Whether it was applied.</param>
/// <param name="Error">Why not, when <paramref name="Ok"/> is <see langword="false"/>.</param>
/// <param name="Rejected">Whether it was refused as invalid (unknown or disabled camera, unknown bed) rather than failed.</param>
public readonly record struct AlertCommandResult(bool Ok, string? Error = null, bool Rejected = false)
{
    /// <summary>Success.</summary>
    public static readonly AlertCommandResult Success = new(true);

    /// <summary>A failure with its reason.</summary>
    /// <param name="error">Why.</param>
    /// <returns>The result.</returns>
    public static AlertCommandResult Fail(string error) => new(false, error);

    /// <summary>
    /// Gets the result for a command about a camera another instance watches (issue 16): not applied, and not answered, so the
    /// nurse station gets exactly one reply, from the camera's owner.
    /// </summary>
    public static AlertCommandResult ForAnotherInstance { get; } = new(false) { NotMine = true };

    /// <summary>Gets a value indicating whether the camera belongs to another instance (<see cref="ForAnotherInstance"/>).</summary>
    public bool NotMine { get; init; }

    /// <summary>A refusal of an invalid command (counted as <c>rejected</c>, not <c>failed</c>).</summary>
    /// <param name="error">Why.</param>
    /// <returns>The result.</returns>
    public static AlertCommandResult Reject(string error) => new(false, error, Rejected: true);
}

/// <summary>Applies commands from the nurse station (implemented by the pipeline, called by the MQTT side).</summary>
public interface IAlertCommandHandler
{
    /// <summary>Applies a command.</summary>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was applied (e.g. an unknown camera or bed is an error).</returns>
    ValueTask<AlertCommandResult> HandleAsync(AlertCommand command, CancellationToken cancellationToken);
}

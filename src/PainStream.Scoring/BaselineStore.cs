// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using PainStream.Core.Frames;

namespace PainStream.Scoring;

/// <summary>A patient's baseline found by <see cref="BaselineStore.LoadAllAsync"/>.</summary>
/// <param name="Camera">The camera.</param>
/// <param name="Bed">The bed.</param>
/// <param name="State">The saved learner state, for <see cref="BaselineLearner.Restore"/>.</param>
public sealed record StoredBaseline(CameraId Camera, string Bed, BaselineLearnerState State);

/// <summary>
/// Keeps each patient's <see cref="BaselineLearnerState"/> across restarts: one JSON file per (camera, bed),
/// <c>&lt;camera&gt;.&lt;bed&gt;.baseline.json</c>, in a state directory.
/// </summary>
/// <remarks>
/// <para>
/// <b>Writes are atomic.</b> A save writes a hidden temporary file in the same directory
/// (<c>.&lt;file&gt;.&lt;random&gt;.tmp</c>), flushes it to disk (<c>fsync</c>), then renames it over the patient's file, which
/// POSIX makes atomic: a crash leaves the old file or the new one, never a torn one. A crash before the rename leaves only
/// the temporary file, which loading ignores and <see cref="LoadAllAsync"/> removes. (The directory itself is not
/// <c>fsync</c>ed, which .NET cannot do without P/Invoke: after a power cut on some file systems the rename may be lost and
/// the previous baseline come back, which is harmless.)
/// </para>
/// <para>
/// <b>Loading never fails.</b> A file that cannot be read or parsed, or that does not describe the patient it is named
/// after, is moved aside to <c>&lt;file&gt;.corrupt-&lt;UTC yyyyMMddTHHmmssZ&gt;</c> for inspection, logged, and treated as
/// no baseline: the learner starts empty and learns again.
/// </para>
/// <para>
/// Thread-safe. Calls for one patient are serialised (a reset's <see cref="DeleteAsync"/> waits for a save in flight, so
/// the save cannot bring the file back afterwards); calls for different patients run in parallel. Reset the learner
/// before deleting, so that later saves export the new, empty window.
/// </para>
/// </remarks>
public sealed class BaselineStore
{
    /// <summary>The ending of every baseline file name.</summary>
    public const string FileSuffix = ".baseline.json";

    /// <summary>The version of the file layout this code writes and reads.</summary>
    public const int SchemaVersion = 1;

    private const string TempSuffix = ".tmp";

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="BaselineStore"/> class.</summary>
    /// <param name="directory">The state directory (created on the first save).</param>
    /// <param name="logger">Where unreadable files and failed saves are reported.</param>
    /// <param name="timeProvider">The clock for save times and moved-aside names; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public BaselineStore(string directory, ILogger<BaselineStore> logger, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(logger);
        Directory = Path.GetFullPath(directory);
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the full path of the state directory.</summary>
    public string Directory { get; }

    /// <summary>Gets the path of a patient's baseline file.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <returns>The full path.</returns>
    /// <exception cref="ArgumentException">The camera or bed name is not <c>[a-z0-9_-]{1,64}</c>.</exception>
    public string GetPath(CameraId camera, string bed)
    {
        if (!CameraId.IsValid(camera.Value))
        {
            throw new ArgumentException($"camera name '{camera.Value}' must match [a-z0-9_-]{{1,64}}", nameof(camera));
        }

        if (!CameraId.IsValid(bed))
        {
            throw new ArgumentException($"bed name '{bed}' must match [a-z0-9_-]{{1,64}}", nameof(bed));
        }

        // Names cannot contain '.', so "<camera>.<bed>" is unambiguous.
        return Path.Combine(Directory, $"{camera.Value}.{bed}{FileSuffix}");
    }

    /// <summary>Loads a patient's saved baseline.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The state, or <see langword="null"/> when there is none or the file was unreadable (then moved aside).</returns>
    /// <exception cref="ArgumentException">The camera or bed name is invalid.</exception>
    public async Task<BaselineLearnerState?> LoadAsync(CameraId camera, string bed, CancellationToken cancellationToken)
    {
        var path = GetPath(camera, bed);
        var gate = Gate(path);
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await ReadAsync(path, camera.Value, bed, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Loads every saved baseline (on start), skipping files that are not named like baseline files, moving unreadable ones
    /// aside, and removing the temporary files of interrupted saves.
    /// </summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The readable baselines, in file name order; empty when the directory does not exist or cannot be listed.</returns>
    public async Task<IReadOnlyList<StoredBaseline>> LoadAllAsync(CancellationToken cancellationToken)
    {
        string[] names;
        try
        {
            names = System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetFiles(Directory) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // By design: a missing baseline only means the learner starts again.
            _logger.BaselineDirectoryUnreadable(ex, Directory);
            return [];
        }

        Array.Sort(names, StringComparer.Ordinal);
        var result = new List<StoredBaseline>();
        foreach (var path in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(path);
            if (name.StartsWith('.') && name.EndsWith(TempSuffix, StringComparison.Ordinal) && name.Contains(FileSuffix, StringComparison.Ordinal))
            {
                TryDelete(path, logRemoval: true);
                continue;
            }

            if (!TryParseName(name, out var camera, out var bed))
            {
                continue;
            }

            if (await LoadAsync(camera, bed, cancellationToken) is { } state)
            {
                result.Add(new StoredBaseline(camera, bed, state));
            }
        }

        return result;
    }

    /// <summary>Saves a patient's baseline atomically, replacing the previous one.</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="state">The learner's state (<see cref="BaselineLearner.ExportState"/>).</param>
    /// <param name="cancellationToken">Cancels the save; the previous file is then left as it was.</param>
    /// <returns>
    /// <see langword="true"/> when saved; <see langword="false"/> when the file system refused (disk full, permissions), which is
    /// logged and leaves the previous file as it was.
    /// </returns>
    /// <exception cref="ArgumentException">The camera or bed name is invalid.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<bool> SaveAsync(CameraId camera, string bed, BaselineLearnerState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var path = GetPath(camera, bed);
        var file = new BaselineFile(SchemaVersion, camera.Value, bed, _time.GetUtcNow(), state);
        var gate = Gate(path);
        await gate.WaitAsync(cancellationToken);
        var temp = Path.Combine(Directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            };
            await using (var stream = new FileStream(temp, options))
            {
                await JsonSerializer.SerializeAsync(stream, file, BaselineJsonContext.Default.BaselineFile, cancellationToken);
                await stream.FlushAsync(cancellationToken);

                // fsync before the rename: otherwise a crash could leave the new name pointing at unwritten data.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // By design: the baseline stays in memory and the next save tries again.
            TryDelete(temp, logRemoval: false);
            _logger.BaselineSaveFailed(ex, camera.Value, bed, path);
            return false;
        }
        catch
        {
            TryDelete(temp, logRemoval: false);
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Deletes a patient's saved baseline (the <c>baseline/reset</c> command, or a new patient).</summary>
    /// <param name="camera">The camera.</param>
    /// <param name="bed">The bed.</param>
    /// <param name="cancellationToken">Cancels waiting for a save of the same patient in flight.</param>
    /// <returns><see langword="true"/> when a file was deleted; <see langword="false"/> when there was none.</returns>
    /// <exception cref="ArgumentException">The camera or bed name is invalid.</exception>
    /// <exception cref="IOException">The file exists but could not be deleted (the reset failed: report it).</exception>
    /// <exception cref="UnauthorizedAccessException">The file exists but may not be deleted.</exception>
    public async Task<bool> DeleteAsync(CameraId camera, string bed, CancellationToken cancellationToken)
    {
        var path = GetPath(camera, bed);
        var gate = Gate(path);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private static bool TryParseName(string name, out CameraId camera, out string bed)
    {
        camera = default;
        bed = string.Empty;
        if (!name.EndsWith(FileSuffix, StringComparison.Ordinal))
        {
            return false;
        }

        var stem = name[..^FileSuffix.Length];
        var dot = stem.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return false;
        }

        var cameraName = stem[..dot];
        var bedName = stem[(dot + 1)..];
        if (!CameraId.IsValid(cameraName) || !CameraId.IsValid(bedName))
        {
            return false;
        }

        camera = new CameraId(cameraName);
        bed = bedName;
        return true;
    }

    private static string? Check(BaselineFile? file, string camera, string bed)
    {
        if (file is null)
        {
            return "empty document";
        }

        if (file.Schema != SchemaVersion)
        {
            return string.Create(CultureInfo.InvariantCulture, $"unknown schema {file.Schema}");
        }

        if (!string.Equals(file.Camera, camera, StringComparison.Ordinal) || !string.Equals(file.Bed, bed, StringComparison.Ordinal))
        {
            return $"written for camera '{file.Camera}' bed '{file.Bed}'";
        }

        if (file.State is not { Samples: not null } state)
        {
            return "no learner state";
        }

        if (state.Version != BaselineLearnerState.CurrentVersion)
        {
            return string.Create(CultureInfo.InvariantCulture, $"unknown learner state version {state.Version}");
        }

        return null;
    }

    private SemaphoreSlim Gate(string path) => _locks.GetOrAdd(path, static _ => new SemaphoreSlim(1, 1));

    private async Task<BaselineLearnerState?> ReadAsync(string path, string camera, string bed, CancellationToken cancellationToken)
    {
        BaselineFile? file;
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, useAsync: true);
            await using (stream)
            {
                file = await JsonSerializer.DeserializeAsync(stream, BaselineJsonContext.Default.BaselineFile, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // By design: an unreadable baseline must never stop the daemon; the learner starts again.
            MoveAside(path, ex is JsonException ? "not valid baseline JSON" : ex.GetType().Name, ex);
            return null;
        }

        if (Check(file, camera, bed) is { } problem)
        {
            MoveAside(path, problem, exception: null);
            return null;
        }

        return file!.State;
    }

    private void MoveAside(string path, string reason, Exception? exception)
    {
        var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = $"{path}.corrupt-{stamp}";
        for (var i = 2; File.Exists(target); i++)
        {
            target = string.Create(CultureInfo.InvariantCulture, $"{path}.corrupt-{stamp}-{i}");
        }

        try
        {
            File.Move(path, target);
            _logger.BaselineMovedAside(exception, path, reason, target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // By design: still no crash; the file stays and is reported again at the next load.
            _logger.BaselineMoveAsideFailed(ex, path, reason);
        }
    }

    private void TryDelete(string path, bool logRemoval)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
                if (logRemoval)
                {
                    _logger.BaselineTempRemoved(path);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // By design: a leftover temporary file is ignored by every load and removed at the next start.
        }
    }
}

/// <summary>The JSON document of one baseline file.</summary>
/// <param name="Schema">The layout version (<see cref="BaselineStore.SchemaVersion"/>).</param>
/// <param name="Camera">The camera the baseline belongs to.</param>
/// <param name="Bed">The bed the baseline belongs to.</param>
/// <param name="SavedAt">When it was saved.</param>
/// <param name="State">The learner's window.</param>
internal sealed record BaselineFile(int Schema, string Camera, string Bed, DateTimeOffset SavedAt, BaselineLearnerState State);

/// <summary>Source-generated (reflection-free) JSON for <see cref="BaselineFile"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BaselineFile))]
internal sealed partial class BaselineJsonContext : JsonSerializerContext;

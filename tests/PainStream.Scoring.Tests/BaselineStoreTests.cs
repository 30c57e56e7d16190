// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using PainStream.Core.Frames;

namespace PainStream.Scoring.Tests;

public sealed class BaselineStoreTests : IDisposable
{
    private static readonly CameraId Camera = new("ward3");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "painstream-baselines-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly FakeLogger<BaselineStore> _logger = new();

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task SaveAsync_ThenLoad_RoundTripsTheLearner()
    {
        var store = NewStore();
        var learner = Learner(40);

        Assert.True(await store.SaveAsync(Camera, "bed-1", learner.ExportState(), Ct));
        var loaded = await NewStore().LoadAsync(Camera, "bed-1", Ct);

        Assert.NotNull(loaded);
        var restored = new BaselineLearner(learner.Options);
        restored.Restore(loaded);
        Assert.Equal(learner.ExportState().Samples, restored.ExportState().Samples);
        Assert.True(restored.TryGetBaseline(out var baseline));
        Assert.True(learner.TryGetBaseline(out var expected));
        Assert.Equal(expected, baseline);
        Assert.Equal([Path.Combine(_directory, "ward3.bed-1.baseline.json")], Directory.GetFiles(_directory));
        Assert.Empty(_logger.Collector.GetSnapshot());
    }

    [Fact]
    public async Task SaveAsync_Twice_ReplacesTheFile()
    {
        var store = NewStore();
        await store.SaveAsync(Camera, "bed-1", Learner(40).ExportState(), Ct);

        await store.SaveAsync(Camera, "bed-1", Learner(5).ExportState(), Ct);

        Assert.Equal(5, (await store.LoadAsync(Camera, "bed-1", Ct))!.Samples.Count);
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task LoadAsync_NoFileOrNoDirectory_Null()
    {
        var store = NewStore();

        Assert.Null(await store.LoadAsync(Camera, "bed-1", Ct));
        Assert.Empty(await store.LoadAllAsync(Ct));
        Assert.Empty(_logger.Collector.GetSnapshot());
    }

    [Theory]
    [InlineData("garbage", "not valid baseline JSON")]
    [InlineData("", "not valid baseline JSON")]
    [InlineData("null", "empty document")]
    [InlineData("{\"schema\":1,\"camera\":\"ward3\",\"bed\":\"bed-1\",\"state\":{\"version\":1,\"samples\":[{\"eyeAspec", "not valid baseline JSON")]
    [InlineData("{\"schema\":2,\"camera\":\"ward3\",\"bed\":\"bed-1\"}", "unknown schema 2")]
    [InlineData("{\"schema\":1,\"camera\":\"ward3\",\"bed\":\"bed-9\",\"state\":{\"version\":1,\"samples\":[]}}", "written for camera 'ward3' bed 'bed-9'")]
    [InlineData("{\"schema\":1,\"camera\":\"ward3\",\"bed\":\"bed-1\"}", "no learner state")]
    [InlineData("{\"schema\":1,\"camera\":\"ward3\",\"bed\":\"bed-1\",\"state\":{\"version\":7,\"samples\":[]}}", "unknown learner state version 7")]
    public async Task LoadAsync_CorruptFile_MovedAsideLoggedAndNoBaseline(string content, string reason)
    {
        var store = NewStore();
        Directory.CreateDirectory(_directory);
        var path = store.GetPath(Camera, "bed-1");
        await File.WriteAllTextAsync(path, content, Ct);

        var loaded = await store.LoadAsync(Camera, "bed-1", Ct);

        Assert.Null(loaded);
        Assert.False(File.Exists(path));
        var aside = path + ".corrupt-20260304T050607Z";
        Assert.Equal(content, await File.ReadAllTextAsync(aside, Ct));
        var log = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.Equal(6001, log.Id.Id);
        Assert.Contains(reason, log.Message, StringComparison.Ordinal);
        Assert.Contains(aside, log.Message, StringComparison.Ordinal);

        // The patient starts again: the next save and load work.
        Assert.True(await store.SaveAsync(Camera, "bed-1", Learner(3).ExportState(), Ct));
        Assert.Equal(3, (await store.LoadAsync(Camera, "bed-1", Ct))!.Samples.Count);
    }

    [Fact]
    public async Task LoadAsync_CorruptTwiceInOneSecond_KeepsBothCopies()
    {
        var store = NewStore();
        Directory.CreateDirectory(_directory);
        var path = store.GetPath(Camera, "bed-1");
        await File.WriteAllTextAsync(path, "first", Ct);
        await store.LoadAsync(Camera, "bed-1", Ct);
        await File.WriteAllTextAsync(path, "second", Ct);

        await store.LoadAsync(Camera, "bed-1", Ct);

        Assert.Equal("first", await File.ReadAllTextAsync(path + ".corrupt-20260304T050607Z", Ct));
        Assert.Equal("second", await File.ReadAllTextAsync(path + ".corrupt-20260304T050607Z-2", Ct));
    }

    [Fact]
    public async Task LoadAllAsync_LeftoverTempFileOfAnInterruptedSave_IgnoredAndRemoved()
    {
        var store = NewStore();
        await store.SaveAsync(Camera, "bed-1", Learner(40).ExportState(), Ct);
        var path = store.GetPath(Camera, "bed-1");

        // A crash mid-save leaves a half-written temporary file beside the intact previous file.
        var temp = Path.Combine(_directory, ".ward3.bed-1.baseline.json." + Guid.NewGuid().ToString("N") + ".tmp");
        var full = await File.ReadAllBytesAsync(path, Ct);
        await File.WriteAllBytesAsync(temp, full.AsSpan(0, full.Length / 2).ToArray(), Ct);

        Assert.Equal(40, (await store.LoadAsync(Camera, "bed-1", Ct))!.Samples.Count);
        var all = await NewStore().LoadAllAsync(Ct);

        var stored = Assert.Single(all);
        Assert.Equal(Camera, stored.Camera);
        Assert.Equal("bed-1", stored.Bed);
        Assert.Equal(40, stored.State.Samples.Count);
        Assert.False(File.Exists(temp));
        Assert.True(File.Exists(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task LoadAllAsync_SeveralPatientsAndForeignFiles_LoadsThePatientsOnly()
    {
        var store = NewStore();
        await store.SaveAsync(Camera, "bed-1", Learner(10).ExportState(), Ct);
        await store.SaveAsync(Camera, "bed-2", Learner(20).ExportState(), Ct);
        await store.SaveAsync(new CameraId("ward4"), "bed", Learner(30).ExportState(), Ct);
        await File.WriteAllTextAsync(Path.Combine(_directory, "README.txt"), "notes", Ct);
        await File.WriteAllTextAsync(Path.Combine(_directory, "Ward5.bed.baseline.json"), "{}", Ct);
        await File.WriteAllTextAsync(Path.Combine(_directory, "ward3.bed-3.baseline.json.corrupt-20250101T000000Z"), "x", Ct);

        var all = await NewStore().LoadAllAsync(Ct);

        Assert.Equal(
            [("ward3", "bed-1", 10), ("ward3", "bed-2", 20), ("ward4", "bed", 30)],
            all.Select(b => (b.Camera.Value, b.Bed, b.State.Samples.Count)));
        Assert.True(File.Exists(Path.Combine(_directory, "Ward5.bed.baseline.json"))); // not ours: left alone
    }

    [Fact]
    public async Task DeleteAsync_ResetCommand_RemovesTheBaseline()
    {
        var store = NewStore();
        await store.SaveAsync(Camera, "bed-1", Learner(40).ExportState(), Ct);
        await store.SaveAsync(Camera, "bed-2", Learner(40).ExportState(), Ct);

        Assert.True(await store.DeleteAsync(Camera, "bed-1", Ct));

        Assert.Null(await store.LoadAsync(Camera, "bed-1", Ct));
        Assert.NotNull(await store.LoadAsync(Camera, "bed-2", Ct));
        Assert.False(await store.DeleteAsync(Camera, "bed-1", Ct));
    }

    [Fact]
    public async Task SaveAsync_DirectoryUnusable_FalseLoggedAndNothingLeft()
    {
        // The state directory path is taken by a file.
        await File.WriteAllTextAsync(_directory, "not a directory", Ct);
        try
        {
            var store = NewStore();

            Assert.False(await store.SaveAsync(Camera, "bed-1", Learner(5).ExportState(), Ct));

            var log = Assert.Single(_logger.Collector.GetSnapshot());
            Assert.Equal(6003, log.Id.Id);
            Assert.Empty(await store.LoadAllAsync(Ct));
        }
        finally
        {
            File.Delete(_directory);
        }
    }

    [Fact]
    public async Task SaveAsync_Cancelled_PreviousFileUntouched()
    {
        var store = NewStore();
        await store.SaveAsync(Camera, "bed-1", Learner(40).ExportState(), Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => store.SaveAsync(Camera, "bed-1", Learner(5).ExportState(), new CancellationToken(canceled: true)));

        Assert.Equal(40, (await store.LoadAsync(Camera, "bed-1", Ct))!.Samples.Count);
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task SaveAndDelete_Concurrently_FileAlwaysWholeAndResetWaitsForTheSave()
    {
        var store = NewStore();
        var states = Enumerable.Range(1, 8).Select(n => Learner(n * 10).ExportState()).ToArray();

        await Task.WhenAll(states.Select(s => Task.Run(() => store.SaveAsync(Camera, "bed-1", s, Ct), Ct)));
        var loaded = await store.LoadAsync(Camera, "bed-1", Ct);

        Assert.NotNull(loaded);
        Assert.Contains(loaded.Samples.Count, states.Select(s => s.Samples.Count));
        Assert.Single(Directory.GetFiles(_directory));

        // A reset arriving while a save is in flight waits for it, so the save cannot bring the file back.
        var save = store.SaveAsync(Camera, "bed-1", states[0], Ct);
        var delete = store.DeleteAsync(Camera, "bed-1", Ct);
        await Task.WhenAll(save, delete);
        Assert.True(await save);
        Assert.True(await delete);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void GetPath_InvalidNames_Throw()
    {
        var store = NewStore();

        Assert.Throws<ArgumentException>(() => store.GetPath(Camera, "../etc"));
        Assert.Throws<ArgumentException>(() => store.GetPath(new CameraId("Ward 3"), "bed"));
        Assert.Throws<ArgumentException>(() => store.GetPath(Camera, "a.b"));
    }

    [Fact]
    public async Task SaveAsync_FileIsSelfDescribingJson()
    {
        var store = NewStore();
        await store.SaveAsync(Camera, "bed-1", Learner(1).ExportState(), Ct);

        var json = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(store.GetPath(Camera, "bed-1"), Ct));

        Assert.StartsWith("{\"schema\":1,\"camera\":\"ward3\",\"bed\":\"bed-1\",\"savedAt\":\"2026-03-04T05:06:07+00:00\",\"state\":{\"version\":1,\"samples\":[{\"eyeAspectRatio\":", json, StringComparison.Ordinal);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static BaselineLearner Learner(int samples)
    {
        var learner = new BaselineLearner(new BaselineLearnerOptions { Capacity = 100, MinSamples = 1 });
        for (var i = 0; i < samples; i++)
        {
            learner.Add(new AuProxies(0.3f + (i * 0.001f), 0.1f, 0.4f, 0.3f, 0.1f, 0.6f, 60 + i));
        }

        return learner;
    }

    private BaselineStore NewStore() => new(_directory, _logger, _time);
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Core.Publishing;
using PainStream.Hosting.Configuration;
using PainStream.Daemon.Services;

namespace PainStream.Daemon.Tests;

/// <summary>Camera shards in the daemon (issue 16): configuration, hot-reloaded count, command routing.</summary>
public sealed class ShardTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("painstream-shard-").FullName;

    private string File1 => Path.Combine(_directory, "painstream.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Check_ShardSection_ResolvesTheAssignment()
    {
        var problems = Check(Config(count: 3, index: 2), out var settings);

        Assert.Empty(problems);
        Assert.Equal(new ShardAssignment(2, 3, "shard-2"), settings!.Assignment);
    }

    [Theory]
    [InlineData("""{ "Shard": { "Count": 0 } }""", "Shard:Count")]
    [InlineData("""{ "Shard": { "Count": 3, "Index": -1 } }""", "Shard:Index")]
    [InlineData("""{ "Shard": { "Count": 3, "Index": 1, "Instance": "Ward 3" } }""", "Shard:Instance")]
    [InlineData("""{ "Shard": { "Count": 3, "Idx": 1 } }""", "Shard:Idx")]
    [InlineData("""{ "Mqtt": { "Instance": "east" } }""", "Mqtt:Instance")]
    public void Check_BadShardSection_NamesTheKey(string json, string key)
    {
        var problems = Check(json, out var settings);

        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Reload_ShardCountRaised_StopsOnlyTheCamerasTheHashMovesAndMarksThemMoved()
    {
        var catalog = new CameraCatalog();
        using var service = Start(Config(count: 2, index: 0), catalog);
        var before = catalog.Current.Keys.ToHashSet();
        Assert.All(before, c => Assert.Equal(0, ShardAssignment.OwnerOf(c, 2)));

        File.WriteAllText(File1, Config(count: 3, index: 0));
        Assert.True(service.Reload());

        var after = catalog.Current.Keys.ToHashSet();
        var moved = before.Except(after).ToList();
        Assert.NotEmpty(moved);
        Assert.All(moved, c => Assert.Equal(2, ShardAssignment.OwnerOf(c, 3)));
        Assert.Subset(before, after);
        Assert.Subset(catalog.MovedAway.ToHashSet(), moved.ToHashSet());
        Assert.Equal(3, service.Current.Assignment.Count);
    }

    [Fact]
    public void Reload_ShardIndexChanged_KeepsTheIndexUntilARestart()
    {
        var catalog = new CameraCatalog();
        using var service = Start(Config(count: 2, index: 0), catalog);

        File.WriteAllText(File1, Config(count: 2, index: 1));
        Assert.True(service.Reload());

        Assert.Equal(0, service.Current.Assignment.Index);
        Assert.All(catalog.Current.Keys, c => Assert.Equal(0, ShardAssignment.OwnerOf(c, 2)));
    }

    [Fact]
    public async Task ShardCommandFilter_PassesOwnedCamerasAndMarksTheOthers()
    {
        var inner = new Recorder();
        var shard = new ShardAssignment(0, 2, "shard-0");
        var filter = new ShardCommandFilter(inner, () => shard);
        var mine = Cameras().First(c => ShardAssignment.OwnerOf(c, 2) == 0);
        var theirs = Cameras().First(c => ShardAssignment.OwnerOf(c, 2) == 1);
        var ct = TestContext.Current.CancellationToken;

        var ok = await filter.HandleAsync(new AlertCommand(AlertCommandKind.Acknowledge, mine, "bed"), ct);
        var other = await filter.HandleAsync(new AlertCommand(AlertCommandKind.Acknowledge, theirs, "bed"), ct);

        Assert.True(ok.Ok);
        Assert.True(other.NotMine);
        Assert.Equal([mine], inner.Commands.Select(c => c.Camera));
    }

    private sealed class Recorder : IAlertCommandHandler
    {
        public List<AlertCommand> Commands { get; } = [];

        public ValueTask<AlertCommandResult> HandleAsync(AlertCommand command, CancellationToken cancellationToken)
        {
            Commands.Add(command);
            return ValueTask.FromResult(AlertCommandResult.Success);
        }
    }

    private static IEnumerable<CameraId> Cameras() =>
        Enumerable.Range(0, 12).Select(i => new CameraId("cam" + i.ToString(CultureInfo.InvariantCulture)));

    private static string Config(int count, int index)
    {
        var cameras = new StringBuilder();
        foreach (var camera in Cameras())
        {
            cameras.Append(cameras.Length == 0 ? string.Empty : ", ").Append('"').Append(camera.Value).Append("\": { \"Url\": \"rtsp://10.0.0.1/").Append(camera.Value).Append("\" }");
        }

        return "{ \"Cameras\": { " + cameras + " }, \"Shard\": { \"Count\": " + count.ToString(CultureInfo.InvariantCulture)
            + ", \"Index\": " + index.ToString(CultureInfo.InvariantCulture) + " } }";
    }

    private IReadOnlyList<string> Check(string json, out PainStreamSettings? settings)
    {
        File.WriteAllText(File1, json);
        var configuration = new ConfigurationBuilder().AddPainStreamSources(File1, reloadOnChange: false).Build();
        return ConfigChecker.Check(configuration, out settings);
    }

    private ConfigReloadService Start(string json, CameraCatalog catalog)
    {
        Assert.Empty(Check(json, out var settings));
        var all = CameraOptionsResolver.Resolve(settings!.Cameras, settings.Capture, settings.Demo, _directory);
        catalog.Update(settings.Assignment.Filter(all), settings.Assignment.NotOwned(all));
        return new ConfigReloadService(settings, catalog, new DaemonPaths(_directory, File1), NullLogger<ConfigReloadService>.Instance);
    }
}

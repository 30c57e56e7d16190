// Copyright (c) PainStream contributors. Licensed under the MIT License.

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using PainStream.Core.Cameras;
using PainStream.Core.Frames;
using PainStream.Core.Options;
using PainStream.Hosting.Configuration;
using PainStream.Daemon.Services;

namespace PainStream.Daemon.Tests;

public sealed class ConfigReloadServiceTests : IDisposable
{
    private const string Good = """{ "Cameras": { "bed-1": { "Url": "rtsp://10.0.0.1/s" } } }""";
    private readonly string _directory = Directory.CreateTempSubdirectory("painstream-reload-").FullName;
    private readonly CameraCatalog _catalog = new();
    private readonly ConfigReloadService _service;

    public ConfigReloadServiceTests()
    {
        var file = Path.Combine(_directory, "painstream.json");
        File.WriteAllText(file, Good);
        var configuration = new ConfigurationBuilder().AddPainStreamSources(file, reloadOnChange: false).Build();
        Assert.Empty(ConfigChecker.Check(configuration, out var settings));
        _catalog.Update(CameraOptionsResolver.Resolve(settings!.Cameras, settings.Capture, settings.Demo, _directory));
        _service = new ConfigReloadService(settings, _catalog, new DaemonPaths(_directory, file), NullLogger<ConfigReloadService>.Instance);
    }

    private string File1 => Path.Combine(_directory, "painstream.json");

    public void Dispose()
    {
        _service.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Reload_ValidEdit_SwapsTheCameraSet()
    {
        File.WriteAllText(File1, """{ "Cameras": { "bed-1": { "Url": "rtsp://10.0.0.1/s" }, "bed-2": { "Url": "rtsp://10.0.0.2/s" } } }""");

        Assert.True(_service.Reload());

        Assert.Equal(["bed-1", "bed-2"], _catalog.Current.Keys.Select(k => k.Value).Order());
    }

    [Theory]
    [InlineData("""{ "Cameras": { "bed-1": { "Url": "rtsp://10.0.0.1/s", "Fsp": 2 } } }""")]
    [InlineData("""{ "Cameras": { "bed-1": { "Url": "rtsp://10.0.0.1/s" """)]
    [InlineData("")]
    public void Reload_InvalidOrBrokenFile_KeepsTheLastGoodCameras(string content)
    {
        File.WriteAllText(File1, content);

        Assert.False(_service.Reload());

        Assert.Equal([new CameraId("bed-1")], _catalog.Current.Keys);
    }

    [Fact]
    public void Reload_FileDeleted_KeepsTheLastGoodCamerasInsteadOfPlayingTheDemo()
    {
        File.Delete(File1);

        Assert.False(_service.Reload());

        Assert.Equal([new CameraId("bed-1")], _catalog.Current.Keys);
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Text.Json;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// <c>painstream score</c>, the integrator's camera-placement check, run as the built CLI on real images: the astronaut
/// fixture and frames of the grimace clip (a real face warped by <c>demo-clip</c>).
/// </summary>
[Collection(DaemonTestGroup.Name)]
public sealed class ScoreCliTests(GrimaceClip clip) : IClassFixture<GrimaceClip>
{
    [Fact]
    public async Task Score_Json_OneDocumentPerImage_GrimaceAgainstItsNeutralBaselineScoresAsPain()
    {
        var (code, output) = await DaemonProcess.RunCliAsync("score", clip.NeutralFrame, clip.GrimaceFrame, "--baseline", clip.NeutralFrame, "--json");

        Assert.True(code == 0, output);
        using var doc = JsonDocument.Parse(output);
        var images = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal([clip.NeutralFrame, clip.GrimaceFrame], images.Select(i => i.GetProperty("image").GetString()));
        var neutral = Assert.Single(images[0].GetProperty("faces").EnumerateArray());
        var grimace = Assert.Single(images[1].GetProperty("faces").EnumerateArray());
        foreach (var face in new[] { neutral, grimace })
        {
            Assert.Equal(68, face.GetProperty("landmarks").GetArrayLength());
            Assert.True(face.GetProperty("quality").GetProperty("ok").GetBoolean(), face.ToString());
            Assert.True(face.GetProperty("box").GetProperty("width").GetDouble() > 40, face.ToString());
            Assert.Equal(["au4", "au6_7", "au9_10", "au43"], face.GetProperty("au").EnumerateObject().Select(p => p.Name));
        }

        // The same face against itself is no pain; the grimace (brow down, eyes narrowed, lip raised) is.
        Assert.True(neutral.GetProperty("pspi").GetDouble() < 1, neutral.ToString());
        Assert.True(grimace.GetProperty("pspi").GetDouble() >= 4, grimace.ToString());
        Assert.True(grimace.GetProperty("au").GetProperty("au6_7").GetDouble() > 0, grimace.ToString());
    }

    [Fact]
    public async Task Score_HumanOutput_ListsBoxQualityAndPspi()
    {
        var (code, output) = await DaemonProcess.RunCliAsync("score", TestPaths.Fixture("astronaut.png"), "--baseline", TestPaths.Fixture("astronaut.png"));

        Assert.True(code == 0, output);
        Assert.Contains("astronaut.png", output, StringComparison.Ordinal);
        Assert.Contains("pspi", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("quality: ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_MissingOrUndecodableImage_ExitsSixtyFiveNamingTheFile()
    {
        using var directory = new TempDirectory();
        var garbage = directory.File("garbage.png");
        await File.WriteAllTextAsync(garbage, "not a png", TestContext.Current.CancellationToken);
        var missing = directory.File("missing.png");

        var (code, output) = await DaemonProcess.RunCliAsync("score", missing, garbage);

        Assert.True(code == 65, output);
        Assert.Contains(missing, output, StringComparison.Ordinal);
        Assert.Contains(garbage, output, StringComparison.Ordinal);
    }
}

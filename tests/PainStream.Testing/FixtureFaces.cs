// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Detection;

namespace PainStream.Testing;

/// <summary>Hand-measured face boxes of the fixture images (<see cref="TestPaths.Fixture"/>), shared by every test project.</summary>
public static class FixtureFaces
{
    /// <summary>astronaut.png (512x512): the face box, measured by hand.</summary>
    public static readonly BoxF AstronautBox = new(181, 82, 90, 95);

    /// <summary>messi5.jpg: the face box, measured by hand.</summary>
    public static readonly BoxF MessiBox = new(221, 96, 35, 36);
}

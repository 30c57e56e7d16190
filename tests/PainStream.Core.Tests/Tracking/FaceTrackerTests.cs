// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Core.Cameras;
using PainStream.Core.Detection;
using PainStream.Core.Options;
using PainStream.Core.Tracking;
using static PainStream.Core.Tests.Tracking.TrackScene;

namespace PainStream.Core.Tests.Tracking;

public sealed class FaceTrackerTests
{
    private static readonly FaceTrackerOptions TwoSecondGrace = FaceTrackerOptions.Default with { GracePeriod = TimeSpan.FromSeconds(2) };

    // Left half and right half of the frame.
    private static readonly BedLayout TwoBeds = new(
    [
        new("bed-a", new NormalizedRegion(0, 0, 0.5, 1)),
        new("bed-b", new NormalizedRegion(0.5, 0, 0.5, 1)),
    ]);

    [Fact]
    public void IntersectionOverUnion_ABoxWithItself_IsNeverAboveOne_AtFullHdCoordinates()
    {
        // Float rounding of Right - X can make the intersection a hair larger than the box's own area.
        var random = new Random(12);
        for (var i = 0; i < 100_000; i++)
        {
            var box = new BoxF((float)(random.NextDouble() * 1900), (float)(random.NextDouble() * 1060), (float)(20 + (random.NextDouble() * 300)), (float)(20 + (random.NextDouble() * 300)));
            Assert.InRange(box.IntersectionOverUnion(box), 0f, 1f);
        }
    }

    [Fact]
    public void Update_FourStillFacesOfA1080pScene_RepeatedExactly_KeepTheirIds()
    {
        // A still scene (the same detections frame after frame) at Analysis=beds resolution: the costs stay non-negative.
        var tracker = new FaceTracker(BedLayout.WholeFrame, 1920, 1080);
        TrackInput[] faces = [Face(418.37f, 190.11f, 103.9f), Face(1383.6f, 171.7f, 121.3f), Face(366.2f, 705.9f, 142.1f), Face(1405.5f, 710.3f, 111.7f)];
        TrackId[]? first = null;
        for (var i = 0; i < 50; i++)
        {
            var ids = tracker.Update(At(i * 0.2), faces).TrackIds.ToArray();
            first ??= ids;
            Assert.Equal(first, ids);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Update_TwoFacesMovingSmoothly_KeepTheirIds(bool landmarks)
    {
        var tracker = Tracker();
        TrackId first = default, second = default;
        for (var i = 0; i < 500; i++)
        {
            // 25 fps; heads sway by up to 40 px and bob, well apart from each other.
            var t = i * 0.04;
            var a = Face(100 + (40 * (float)Math.Sin(t)), 150 + (10 * (float)Math.Sin(3 * t)), landmarks: landmarks);
            var b = Face(420 + (40 * (float)Math.Cos(t)), 180 + (10 * (float)Math.Cos(2 * t)), 90, landmarks);

            // Detector order varies from frame to frame.
            var update = i % 3 == 0 ? tracker.Update(At(t), [b, a]) : tracker.Update(At(t), [a, b]);

            var (ida, idb) = i % 3 == 0 ? (update.TrackIds[1], update.TrackIds[0]) : (update.TrackIds[0], update.TrackIds[1]);
            if (i == 0)
            {
                (first, second) = (ida, idb);
                Assert.NotEqual(first, second);
                Assert.False(first.IsNone);
            }

            Assert.Equal(first, ida);
            Assert.Equal(second, idb);
            Assert.True(update.Expired.IsEmpty);
        }

        Assert.Equal(2, tracker.TrackCount);
    }

    [Fact]
    public void Update_FacesCrossPaths_KeepTheirIds()
    {
        var tracker = Tracker();
        TrackId a = default, b = default;
        for (var i = 0; i <= 30; i++)
        {
            // A walks right, B walks left, 20 px lower: their boxes overlap heavily mid-way.
            var update = tracker.Update(At(i * 0.04), [Face(100 + (10 * i), 200), Face(400 - (10 * i), 220)]);
            if (i == 0)
            {
                (a, b) = (update.TrackIds[0], update.TrackIds[1]);
            }

            Assert.Equal(a, update.TrackIds[0]);
            Assert.Equal(b, update.TrackIds[1]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Update_CrossingWithSwappedDetectorBoxes_LandmarksDecide(bool landmarks)
    {
        // Where the faces overlap, the detector reports each face with the other's box (IoU and box centres point the
        // wrong way); the landmarks still sit on the right face. With landmarks the ids follow the faces; without, the boxes.
        var tracker = Tracker();
        TrackId a = default, b = default;
        var swappedFrames = 0;
        for (var i = 0; i <= 30; i++)
        {
            var trueA = new BoxF(100 + (10 * i), 200, 80, 80);
            var trueB = new BoxF(400 - (10 * i), 220, 80, 80);
            var swapped = Math.Abs(trueA.X - trueB.X) <= 30;
            var (boxA, boxB) = swapped ? (trueB, trueA) : (trueA, trueB);
            TrackInput[] faces = landmarks
                ? [Face(boxA, trueA), Face(boxB, trueB)]
                : [new TrackInput(boxA), new TrackInput(boxB)];

            var update = tracker.Update(At(i * 0.04), faces);
            if (i == 0)
            {
                (a, b) = (update.TrackIds[0], update.TrackIds[1]);
            }

            if (swapped)
            {
                swappedFrames++;
            }

            var expectA = landmarks || !swapped ? a : b;
            Assert.Equal(expectA, update.TrackIds[0]);
            Assert.NotEqual(update.TrackIds[0], update.TrackIds[1]);
        }

        Assert.True(swappedFrames >= 3);
        Assert.Equal(2, tracker.TrackCount);
    }

    [Fact]
    public void Update_FaceMissingShorterThanGrace_KeepsItsId()
    {
        var tracker = Tracker(TwoSecondGrace);
        var id = tracker.Update(At(0), [Face(200, 200)]).TrackIds[0];
        for (var t = 0.2; t < 1.9; t += 0.2)
        {
            var empty = tracker.Update(At(t), []);
            Assert.True(empty.Expired.IsEmpty);
            Assert.Equal(id, empty.Beds[0].Track); // still the bed's patient, just not seen
            Assert.False(empty.Beds[0].HasFace);
        }

        var back = tracker.Update(At(1.9), [Face(205, 198)]);

        Assert.Equal(id, back.TrackIds[0]);
        Assert.True(back.Expired.IsEmpty);
        Assert.Equal(new BedFace(id, 0), back.Beds[0]);
    }

    [Fact]
    public void Update_FaceMissingLongerThanGrace_ExpiresAndComesBackWithANewId()
    {
        var tracker = Tracker(TwoSecondGrace);
        var id = tracker.Update(At(0), [Face(200, 200)]).TrackIds[0];
        Assert.True(tracker.Update(At(2), []).Expired.IsEmpty); // exactly the grace period: still alive

        var later = tracker.Update(At(2.1), []);
        Assert.Equal([id], later.Expired.ToArray());
        Assert.Equal(BedFace.Empty, later.Beds[0]);
        Assert.Equal(0, tracker.TrackCount);

        var back = tracker.Update(At(2.2), [Face(200, 200)]);
        Assert.NotEqual(id, back.TrackIds[0]);
        Assert.True(back.TrackIds[0].Value > id.Value);
        Assert.True(back.Expired.IsEmpty);
    }

    [Fact]
    public void Update_LostLongerThanGraceWithAFaceArriving_ExpiresBeforeMatching()
    {
        var tracker = Tracker(TwoSecondGrace);
        var id = tracker.Update(At(0), [Face(200, 200)]).TrackIds[0];

        var update = tracker.Update(At(3), [Face(200, 200)]);

        Assert.Equal([id], update.Expired.ToArray());
        Assert.NotEqual(id, update.TrackIds[0]);
    }

    [Fact]
    public void Update_FaceJumpsFurtherThanTheGate_StartsANewTrack()
    {
        var tracker = Tracker();
        var id = tracker.Update(At(0), [Face(100, 100)]).TrackIds[0];

        var update = tracker.Update(At(0.04), [Face(300, 100)]);

        Assert.NotEqual(id, update.TrackIds[0]);
        Assert.Equal(2, tracker.TrackCount); // the old one is lost, within its grace
    }

    [Fact]
    public void Update_MuchLargerFaceAtTheSamePlace_DoesNotContinueTheTrack()
    {
        var tracker = Tracker();
        var patient = tracker.Update(At(0), [Face(200, 200, 80)]).TrackIds[0];

        // The patient is hidden by a nurse leaning over, nearer the camera: centred on the same spot, twice the size.
        var update = tracker.Update(At(0.04), [Face(160, 160, 160)]);

        Assert.NotEqual(patient, update.TrackIds[0]);
    }

    [Fact]
    public void Update_NewerFaceEntersTheBed_DoesNotTakeItOver()
    {
        var tracker = Tracker(beds: TwoBeds);
        var patient = tracker.Update(At(0), [Face(100, 200)]).TrackIds[0];
        TrackId nurse = default;
        for (var i = 1; i <= 50; i++)
        {
            // A nurse comes in from the right into bed-a, larger (nearer the camera) and sometimes listed first.
            var nurseFace = Face(Math.Max(200, 330 - (10 * i)), 150, 110);
            var update = i % 2 == 0 ? tracker.Update(At(i * 0.1), [nurseFace, Face(100, 200)]) : tracker.Update(At(i * 0.1), [Face(100, 200), nurseFace]);
            var patientIndex = i % 2 == 0 ? 1 : 0;
            nurse = update.TrackIds[1 - patientIndex];

            Assert.Equal(patient, update.TrackIds[patientIndex]);
            Assert.Equal(new BedFace(patient, patientIndex), update.Beds[0]);
        }

        Assert.NotEqual(patient, nurse);
    }

    [Fact]
    public void Update_BedOwnerMovesOut_OtherFaceBecomesOwner()
    {
        var tracker = Tracker(beds: TwoBeds);
        var patient = tracker.Update(At(0), [Face(60, 200)]).TrackIds[0];
        var visitor = tracker.Update(At(0.1), [Face(60, 200), Face(200, 150)]).TrackIds[1];
        Assert.Equal(patient, tracker.Update(At(0.2), [Face(60, 200), Face(200, 150)]).Beds[0].Track);

        // The patient walks to the right, across into bed-b (centre past x = 320).
        BedFace bedA = default, bedB = default;
        for (var i = 1; i <= 40; i++)
        {
            var update = tracker.Update(At(0.2 + (i * 0.1)), [Face(60 + (10 * i), 200), Face(200, 150)]);
            (bedA, bedB) = (update.Beds[0], update.Beds[1]);
            Assert.Equal(patient, update.TrackIds[0]);
        }

        Assert.Equal(new BedFace(visitor, 1), bedA);
        Assert.Equal(new BedFace(patient, 0), bedB);
    }

    [Fact]
    public void Update_BedOwnerDisappears_BedWaitsForTheGraceThenPassesToTheOtherFace()
    {
        var tracker = Tracker(TwoSecondGrace, TwoBeds);
        var patient = tracker.Update(At(0), [Face(60, 200)]).TrackIds[0];
        var nurse = tracker.Update(At(0.5), [Face(60, 200), Face(200, 150)]).TrackIds[1];

        // The patient's face is gone (turned away): the bed reports its patient as not seen, not the nurse's face.
        for (var t = 1.0; t <= 2.5; t += 0.25) // the patient was last seen at 0.5 s
        {
            var during = tracker.Update(At(t), [Face(200, 150)]);
            Assert.Equal(nurse, during.TrackIds[0]);
            Assert.Equal(new BedFace(patient, -1), during.Beds[0]);
        }

        var after = tracker.Update(At(2.75), [Face(200, 150)]);
        Assert.Equal([patient], after.Expired.ToArray());
        Assert.Equal(new BedFace(nurse, 0), after.Beds[0]);
        Assert.Equal(BedFace.Empty, after.Beds[1]);
    }

    [Fact]
    public void Update_TwoFacesArriveTogether_LargerBoxIsThePatient()
    {
        var tracker = Tracker(beds: TwoBeds);

        var update = tracker.Update(At(0), [Face(20, 100, 70), Face(150, 250, 90)]);

        Assert.Equal(new BedFace(update.TrackIds[1], 1), update.Beds[0]);
    }

    [Fact]
    public void Update_NoBedsConfigured_OneWholeFrameBed()
    {
        var layout = CameraBeds.ToLayout(new CameraOptions { Url = "rtsp://cam/1" });
        var tracker = new FaceTracker(layout, FrameWidth, FrameHeight);

        var corner = tracker.Update(At(0), [Face(0, 0, 40)]);
        var other = tracker.Update(At(0.1), [Face(0, 0, 40), Face(560, 400, 80)]);

        Assert.Same(BedLayout.WholeFrame, layout);
        Assert.Equal(["bed"], layout.Names);
        Assert.Equal(1, corner.Beds.Length);
        Assert.Equal(new BedFace(corner.TrackIds[0], 0), corner.Beds[0]);
        Assert.Equal(new BedFace(corner.TrackIds[0], 0), other.Beds[0]);
    }

    [Fact]
    public void Update_FaceOutsideEveryBed_TrackedButNoBedsPatient()
    {
        var bed = new BedLayout([new("window", new NormalizedRegion(0, 0, 0.25, 0.25))]);
        var tracker = Tracker(beds: bed);

        var update = tracker.Update(At(0), [Face(400, 300)]);

        Assert.False(update.TrackIds[0].IsNone);
        Assert.Equal(BedFace.Empty, update.Beds[0]);
    }

    [Fact]
    public void Update_MoreFacesThanMaxTracks_ExtraFacesUntracked()
    {
        var tracker = Tracker(FaceTrackerOptions.Default with { MaxTracks = 2 });

        var update = tracker.Update(At(0), [Face(10, 10), Face(200, 10), Face(400, 10)]);

        Assert.False(update.TrackIds[0].IsNone);
        Assert.False(update.TrackIds[1].IsNone);
        Assert.True(update.TrackIds[2].IsNone);
    }

    [Fact]
    public void Update_DegenerateBox_Untracked()
    {
        var tracker = Tracker();

        var update = tracker.Update(At(0), [new TrackInput(new BoxF(10, 10, 0, 50)), new TrackInput(new BoxF(float.NaN, 1, 5, 5)), Face(100, 100)]);

        Assert.True(update.TrackIds[0].IsNone);
        Assert.True(update.TrackIds[1].IsNone);
        Assert.False(update.TrackIds[2].IsNone);
        Assert.Equal(1, tracker.TrackCount);
    }

    [Fact]
    public void Reset_ForgetsTracksWithoutReportingThem()
    {
        var tracker = Tracker();
        var id = tracker.Update(At(0), [Face(100, 100)]).TrackIds[0];

        tracker.Reset();
        var update = tracker.Update(At(0.04), [Face(100, 100)]);

        Assert.Equal(0 + 1, tracker.TrackCount);
        Assert.True(update.Expired.IsEmpty);
        Assert.NotEqual(id, update.TrackIds[0]);
    }

    [Fact]
    public void Update_SteadyState_DoesNotAllocate()
    {
        var tracker = Tracker(FaceTrackerOptions.Default with { GracePeriod = TimeSpan.FromSeconds(0.2) }, TwoBeds);
        var frames = new TrackInput[64][];
        for (var f = 0; f < frames.Length; f++)
        {
            // Three steady faces, and a fourth that shows for 8 frames out of 64: its track expires and a new one starts.
            var faces = new List<TrackInput> { Face(50 + (f % 8), 100), Face(400, 120 + (f % 5)), Face(200, 300, 60, landmarks: false) };
            if (f % 64 < 8)
            {
                faces.Add(Face(500, 350, 70));
            }

            frames[f] = [.. faces];
        }

        var frame = 0;
        var tracked = 0;
        var expired = 0;
        void Run(int count)
        {
            for (var i = 0; i < count; i++, frame++)
            {
                var update = tracker.Update(At(frame * 0.04), frames[frame % frames.Length]);
                tracked += update.TrackIds.Length;
                expired += update.Expired.Length;
            }
        }

        Run(256); // warm-up: buffers and the pool of tracks reach their size
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(1024);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal((3 * 1280) + (8 * 1280 / 64), tracked);
        Assert.Equal(1280 / 64, expired); // the fourth face's track, once per cycle
    }
}

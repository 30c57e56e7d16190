#!/usr/bin/python3
# Copyright (c) PainStream contributors. Licensed under the MIT License.
"""A tiny RTSP server for PainStream's capture tests (GStreamer gst-rtsp-server).

Serves one H.264 stream on rtsp://127.0.0.1:<port>/<mount>, usable over TCP interleaved and UDP:
  * default:        videotestsrc (a moving ball by default, so consecutive frames differ)
  * --image PATH:   a still image, frozen and re-encoded as video
  * --video PATH:   a video file, decoded and re-encoded (played once per client session)

Prints "READY rtsp://127.0.0.1:<port>/<mount>" on stdout once the server is attached, then runs until killed.
Run with /usr/bin/python3 (the interpreter that has python3-gi).
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

ENCODE = (
    "videoconvert ! videoscale ! video/x-raw,format=I420,width={w},height={h},framerate={fps}/1 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} ! rtph264pay name=pay0 pt=96 config-interval=1"
)


def build_launch(args: argparse.Namespace) -> str:
    encode = ENCODE.format(w=args.width, h=args.height, fps=args.fps, gop=max(1, round(args.fps * args.gop_seconds)))
    if args.image:
        return f'( filesrc location="{args.image}" ! decodebin ! imagefreeze is-live=true ! {encode} )'
    if args.video:
        # videorate keeps the output at a steady rate whatever the file's frame rate.
        return f'( filesrc location="{args.video}" ! decodebin ! videorate ! {encode} )'
    return f"( videotestsrc is-live=true pattern={args.pattern} ! {encode} )"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("port", type=int, help="TCP port on 127.0.0.1")
    parser.add_argument("mount", nargs="?", default="/cam", help="mount point (default /cam)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--image", help="serve this still image, looped")
    source.add_argument("--video", help="serve this video file")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--gop-seconds", type=float, default=1.0, help="key frame interval in seconds (default 1)")
    parser.add_argument("--pattern", default="ball", help="videotestsrc pattern (default ball: it moves)")
    args = parser.parse_args()

    mount = args.mount if args.mount.startswith("/") else "/" + args.mount
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(build_launch(args))
    # Non-shared: every client gets its own pipeline, so a test's reconnect starts from a clean state.
    factory.set_shared(False)
    server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        return 2

    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print(f"READY rtsp://127.0.0.1:{args.port}{mount}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

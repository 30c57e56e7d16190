#!/usr/bin/env python3
"""MQTT over WebSocket probe (standard library only): connects to ws://HOST:PORT/PATH with sub-protocol "mqtt", sends an
MQTT 3.1.1 CONNECT and SUBSCRIBE, and prints "TOPIC PAYLOAD" for each PUBLISH until it has seen TOPIC with PAYLOAD or the
timeout passes. Exit 0 when seen, 1 otherwise. Used by the integration tests to check the dashboard's /mqtt endpoint the
way a browser's MQTT client uses it (RFC 6455 framing, client frames masked)."""
import base64, os, socket, struct, sys, time

def frame(payload: bytes) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x82]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

def mqtt_string(s: str) -> bytes:
    b = s.encode()
    return struct.pack(">H", len(b)) + b

def remaining(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)

def main() -> int:
    url, topic, want, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    rest = url.split("://", 1)[1]
    hostport, path = (rest.split("/", 1) + [""])[:2]
    host, port = hostport.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(4096)
    head, data = response.split(b"\r\n\r\n", 1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        print("handshake refused:", head.split(b"\r\n")[0].decode(errors="replace"))
        return 1
    body = mqtt_string("MQTT") + bytes([4, 2]) + struct.pack(">H", 30) + mqtt_string("ws-probe-%d" % os.getpid())
    sock.sendall(frame(bytes([0x10]) + remaining(len(body)) + body))
    sub = struct.pack(">H", 1) + mqtt_string(topic) + bytes([1])
    sock.sendall(frame(bytes([0x82]) + remaining(len(sub)) + sub))
    stream = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            chunk = data or sock.recv(65536)
        except socket.timeout:
            break
        data = b""
        if not chunk:
            break
        # Unwrap server frames (unmasked) into the MQTT byte stream.
        buf = chunk
        while len(buf) >= 2:
            n = buf[1] & 0x7F
            off = 2
            if n == 126:
                n, off = struct.unpack(">H", buf[2:4])[0], 4
            elif n == 127:
                n, off = struct.unpack(">Q", buf[2:10])[0], 10
            if len(buf) < off + n:
                more = sock.recv(65536)
                if not more:
                    break
                buf += more
                continue
            if buf[0] & 0x0F in (1, 2, 0):
                stream += buf[off:off + n]
            buf = buf[off + n:]
        # Parse MQTT packets.
        while len(stream) >= 2:
            mult, length, i = 1, 0, 1
            while True:
                if i >= len(stream):
                    break
                b = stream[i]
                length += (b & 0x7F) * mult
                mult *= 128
                i += 1
                if not b & 0x80:
                    break
            if len(stream) < i + length:
                break
            packet, stream = stream[:i + length], stream[i + length:]
            if packet[0] >> 4 == 3:
                tlen = struct.unpack(">H", packet[i:i + 2])[0]
                t = packet[i + 2:i + 2 + tlen].decode()
                start = i + 2 + tlen + (2 if (packet[0] >> 1) & 3 else 0)
                payload = packet[start:].decode(errors="replace")
                print(t, payload, flush=True)
                if t == topic and payload == want:
                    return 0
    return 1

if __name__ == "__main__":
    sys.exit(main())

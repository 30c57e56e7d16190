// Copyright (c) PainStream contributors. Licensed under the MIT License.

using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// README command 1 on a host where Debian's mosquitto already listens on 127.0.0.1:1883 (the embedded broker's default
/// port): the daemon (the one this test project builds, as <c>./painstream</c> would run it: home the repository, its
/// default configuration) publishes to that broker, where the README's
/// <c>mosquitto_sub</c> line listens. Runs in a private network namespace (<c>unshare -n</c>), so the fixed port 1883 never
/// collides with other tests or with a broker on the machine. The dashboard's MQTT over WebSocket (<c>/mqtt</c> on the HTTP
/// endpoint) is relayed to that broker, so the nurse-station page works there too.
/// </summary>
[Collection(DaemonTestGroup.Name)]
public sealed class ExistingBrokerTests
{
    private const string Script = """
        set -u
        D="$1"
        ip link set lo up
        mosquitto -p 1883 >"$D/mosquitto.log" 2>&1 & M=$!
        P=""; S=""
        trap 'kill $P $S $M 2>/dev/null; wait 2>/dev/null' EXIT
        for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && break; sleep 0.1; done
        # The README's line, verbatim.
        mosquitto_sub -h 127.0.0.1 -p 1883 -v -t 'painstream/#' >"$D/sub.txt" 2>&1 & S=$!
        sleep 0.5
        PAINSTREAM__Mqtt__OutboxPath="$D/outbox.db" PAINSTREAM__Scoring__StateDirectory="$D/state" dotnet "$PAINSTREAM_DAEMON" >"$D/daemon.txt" 2>&1 & P=$!
        for i in $(seq 600); do
          grep -q '^painstream/available online' "$D/sub.txt" && break
          kill -0 $P 2>/dev/null || break
          sleep 0.1
        done
        # The dashboard's MQTT over WebSocket on the daemon's HTTP endpoint reaches the same broker (relayed to 1883).
        python3 tests/tools/ws_mqtt_probe.py ws://127.0.0.1:9464/mqtt painstream/available online 15 >"$D/ws.txt" 2>&1
        echo "ws-probe=$?"
        kill -TERM $P 2>/dev/null
        wait $P
        echo "daemon-exit=$?"
        P=""
        """;

    /// <summary>The daemon this test project built (<see cref="DaemonProcess.DaemonDll"/>), never a stale one in artifacts/.</summary>
    private static readonly Dictionary<string, string> Daemon = new() { ["PAINSTREAM_DAEMON"] = DaemonProcess.DaemonDll, ["PAINSTREAM_HOME"] = TestPaths.RepoRoot };

    [Fact]
    public async Task Default_WithMosquittoOnTheEmbeddedPort_PublishesAvailableOnlineToIt()
    {
        using var scratch = new TempDirectory("painstream-existing-broker-");
        var directory = scratch.Path;
        var (code, output) = await NetworkNamespace.RunScriptAsync(Script, directory, Daemon, TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
        var daemon = await ReadAsync(Path.Combine(directory, "daemon.txt"));
        var messages = await ReadAsync(Path.Combine(directory, "sub.txt"));
        var ws = await ReadAsync(Path.Combine(directory, "ws.txt"));
        var context = $"script: {output}\ndaemon: {daemon}\nmosquitto_sub: {messages}\nws probe: {ws}";

        Assert.True(code == 0, context);
        Assert.Contains("painstream/available online", messages, StringComparison.Ordinal);
        Assert.Contains("An MQTT broker already listens on 127.0.0.1:1883", daemon, StringComparison.Ordinal);
        Assert.DoesNotContain("embedded MQTT broker listening", daemon, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", daemon, StringComparison.Ordinal);
        Assert.Contains("daemon-exit=0", output, StringComparison.Ordinal);
        Assert.True(output.Contains("ws-probe=0", StringComparison.Ordinal), context);
        Assert.Contains("painstream/available online", ws, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Default_WithAnotherProgramOnTheEmbeddedPort_FailsWithOneLineAndExitThree()
    {
        using var scratch = new TempDirectory("painstream-port-taken-");
        var directory = scratch.Path;
        // Not an MQTT broker: a listener that accepts and closes every connection.
        const string Script = """
            set -u
            D="$1"
            ip link set lo up
            python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",1883)); s.listen()
            while True: s.accept()[0].close()' & L=$!
            trap 'kill $L 2>/dev/null; wait 2>/dev/null' EXIT
            for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && break; sleep 0.1; done
            PAINSTREAM__Mqtt__OutboxPath="$D/outbox.db" PAINSTREAM__Scoring__StateDirectory="$D/state" timeout 60 dotnet "$PAINSTREAM_DAEMON" >"$D/daemon.txt" 2>&1
            echo "daemon-exit=$?"
            """;
        var (_, output) = await NetworkNamespace.RunScriptAsync(Script, directory, Daemon, TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
        var daemon = await ReadAsync(Path.Combine(directory, "daemon.txt"));

        Assert.Contains("daemon-exit=3", output, StringComparison.Ordinal);
        Assert.Contains("painstream: cannot start: 127.0.0.1:1883 (Mqtt:EmbeddedPort) is in use", daemon, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", daemon, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", daemon, StringComparison.Ordinal);
    }

    private static async Task<string> ReadAsync(string path) =>
        File.Exists(path) ? await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken) : "(missing)";
}

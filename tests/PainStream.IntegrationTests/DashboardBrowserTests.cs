// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// The nurse-station dashboard (web/) in Debian's headless Chromium, against the real daemon playing the demo clip and a
/// real broker: the embedded one over the daemon's /mqtt WebSocket, and Mosquitto with a websockets listener and an ACL.
/// Screenshots of each view go to artifacts/dashboard/.
/// </summary>
[Collection(DaemonTestGroup.Name)]
public sealed class DashboardBrowserTests
{
    /// <summary>The demo's episode opens ≈33 s after start (fresh baseline); allow for a loaded 2-core machine.</summary>
    private static readonly TimeSpan AlertTimeout = TimeSpan.FromSeconds(75);

    /// <summary>It ends ≈25 s later (20 s hold).</summary>
    private static readonly TimeSpan EndTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EmbeddedBroker_DemoBedGoesIntoPainAndBack_AcknowledgeShows_BannerFollowsTheDaemon_ReplayMatches()
    {
        var config = new Dictionary<string, object> { ["Mqtt"] = new Dictionary<string, object> { ["EmbeddedPort"] = FreePort.Get() } };
        await using var daemon = DaemonProcess.Start(config);
        var started = Stopwatch.StartNew();
        var log = await daemon.WaitForOutputAsync("Nurse-station dashboard on", Short, Ct);
        Assert.Contains($"Nurse-station dashboard on http://127.0.0.1:{daemon.HttpPort}/ (MQTT over WebSocket: ws://127.0.0.1:{daemon.HttpPort}/mqtt)", log, StringComparison.Ordinal);

        using var browser = new Browser(1920, 1080);
        var driver = browser.Driver;
        await driver.Navigate().GoToUrlAsync($"http://127.0.0.1:{daemon.HttpPort}/");

        // The demo bed appears, grouped under its camera, with its camera online; no banner once the daemon says online.
        browser.Until(d => d.FindElement(By.CssSelector("[data-bed='demo/bed']")), Short, "the demo bed's tile");
        browser.Until(d => d.FindElement(By.CssSelector("[data-camera='demo'] [data-testid='camera-state']")).Text == "camera online", Short, "camera online");
        browser.Until(d => !d.FindElement(By.Id("banner")).Displayed, Short, "no not-watching banner");
        browser.Until(d => d.FindElement(By.CssSelector("[data-bed='demo/bed'] [data-testid='score']")).Text.StartsWith("not scored: learning baseline", StringComparison.Ordinal)
            || d.FindElement(By.CssSelector("[data-bed='demo/bed'] [data-testid='score']")).Text.StartsWith("score ", StringComparison.Ordinal), Short, "a score line");
        browser.Screenshot("ward-1920x1080-idle");

        // The demo's pain alert: state and priority written out (not colour only), in the alert list too.
        browser.Until(d => d.FindElement(By.CssSelector("[data-bed='demo/bed']")).GetAttribute("data-state") == "active", AlertTimeout - started.Elapsed, "the demo's pain alert on the tile");
        var alertAfter = started.Elapsed;
        Assert.Contains("PAIN ACTIVE", driver.FindElement(By.CssSelector("[data-bed='demo/bed'] [data-testid='state']")).Text, StringComparison.Ordinal);
        Assert.Equal("PRIORITY LOW", driver.FindElement(By.CssSelector("[data-bed='demo/bed'] [data-testid='priority']")).Text);
        var item = driver.FindElement(By.CssSelector("#alert-list [data-testid='alert-item']"));
        Assert.Contains("demo / bed", item.Text, StringComparison.Ordinal);
        Assert.Contains("open", item.Text, StringComparison.Ordinal);
        Assert.Contains("Pain alert: demo / bed", driver.FindElement(By.Id("announce")).Text, StringComparison.Ordinal);
        browser.Screenshot("ward-1920x1080-alert");

        // Acknowledge from the tile: the command goes out, the daemon's reply is shown, and the bed state says acknowledged.
        browser.Until(
            d =>
            {
                d.FindElement(By.CssSelector("[data-bed='demo/bed'] [data-testid='ack']")).Click();
                return true;
            },
            Short,
            "clicking Acknowledge");
        browser.Until(d => d.FindElement(By.CssSelector("[data-bed='demo/bed'] [data-testid='acknowledged']")).Displayed, Short, "the tile showing acknowledged");
        browser.Until(d => d.FindElement(By.CssSelector("[data-bed='demo/bed'] .reply")).Text.StartsWith("ack: done", StringComparison.Ordinal), Short, "the ack reply");
        Assert.Contains("Alert Update Pain on demo/bed", daemon.Output, StringComparison.Ordinal);
        browser.Screenshot("ward-1920x1080-acknowledged");

        // Keyboard: the bed's link is reachable and opens the detail with its live chart and the alert's explanation.
        driver.FindElement(By.CssSelector("[data-bed='demo/bed'] .name a")).SendKeys(Keys.Enter);
        browser.Until(d => d.FindElement(By.Id("view-bed")).Displayed, Short, "the bed detail view");
        browser.Until(d => d.FindElements(By.CssSelector("#bed-chart canvas")).Count > 0, Short, "the chart");
        browser.Until(d => d.FindElements(By.CssSelector("#bed-explanation .bar")).Count >= 4, Short, "the AU bars of the explanation");
        Assert.Contains("acknowledged", driver.FindElement(By.Id("bed-summary")).Text, StringComparison.Ordinal);
        browser.Screenshot("bed-detail-1920x1080");
        browser.Resize(768, 1024);
        browser.Screenshot("bed-detail-768x1024");
        await driver.Navigate().GoToUrlAsync($"http://127.0.0.1:{daemon.HttpPort}/#/");
        browser.Until(d => d.FindElement(By.CssSelector("[data-bed='demo/bed']")).Displayed, Short, "the ward again");
        browser.Screenshot("ward-768x1024");
        browser.Resize(1920, 1080);

        // And back: the episode ends, the tile goes back to no alert, the list keeps it as ended.
        browser.Until(d => d.FindElement(By.CssSelector("[data-bed='demo/bed']")).GetAttribute("data-state") == "none", EndTimeout, "the end of the episode");
        browser.Until(d => d.FindElement(By.CssSelector("#alert-list [data-testid='alert-item']")).Text.Contains("ended", StringComparison.Ordinal), Short, "the ended episode in the list");
        Assert.Contains("resolved", driver.FindElement(By.CssSelector("#alert-list [data-testid='alert-item']")).Text, StringComparison.Ordinal);
        Assert.Equal(0L, driver.ExecuteScript("return window.painstream.skipped"));
        Assert.Empty(browser.ConsoleErrors());

        // Replay of the recorded run with the running settings gives the episode that was published, at the same times.
        var replay = await ReplayUntilEndedAsync(daemon, null);
        var actual = replay.GetProperty("actual").EnumerateArray().Where(e => e.GetProperty("reason").GetString() == "pain").ToList();
        var replayed = replay.GetProperty("replayed").EnumerateArray().Where(e => e.GetProperty("reason").GetString() == "pain").ToList();
        Assert.Single(actual);
        Assert.Equal(actual.Count, replayed.Count);
        foreach (var field in new[] { "startedAt", "announcedAt", "endedAt" })
        {
            var a = actual[0].GetProperty(field).GetDateTimeOffset();
            var r = replayed[0].GetProperty(field).GetDateTimeOffset();
            Assert.True((a - r).Duration() <= TimeSpan.FromMilliseconds(250), $"{field}: published {a:O}, replayed {r:O}");
        }

        // The tuning page: a candidate on-threshold above the episode's peak raises nothing; the snippet is offered.
        await driver.Navigate().GoToUrlAsync($"http://127.0.0.1:{daemon.HttpPort}/#/tuning");
        browser.Until(d => d.FindElements(By.CssSelector("#tune-bed option")).Count > 0, Short, "the tuning page's beds");
        driver.FindElement(By.Id("tune-OnThreshold")).SendKeys("12");
        driver.FindElement(By.Id("tune-run")).Click();
        browser.Until(d => d.FindElement(By.Id("tune-result")).Displayed, Short, "the replay result");
        Assert.Single(driver.FindElements(By.CssSelector("#tune-actual [data-testid='episode']")));
        Assert.Contains("no episode", driver.FindElement(By.Id("tune-replayed")).Text, StringComparison.Ordinal);
        Assert.Equal("\"Alerting\": { \"OnThreshold\": 12 }", driver.FindElement(By.Id("tune-snippet")).Text);
        browser.Screenshot("tuning-1920x1080");

        // An invalid candidate names the setting, with the configuration's rule.
        driver.FindElement(By.Id("tune-OnThreshold")).Clear();
        driver.FindElement(By.Id("tune-OnThreshold")).SendKeys("1");
        driver.FindElement(By.Id("tune-run")).Click();
        browser.Until(d => d.FindElement(By.Id("tune-error")).Text.Contains("OffThreshold (2.5) must be less than OnThreshold (1)", StringComparison.Ordinal), Short, "the invalid setting named");

        // The browser itself logs the refused request (HTTP 400); the page logs nothing.
        Assert.All(browser.ConsoleErrors(), e => Assert.Contains("/api/replay - Failed to load resource: the server responded with a status of 400", e, StringComparison.Ordinal));

        // Stop the daemon (and with it the embedded broker): the banner says PainStream is not watching; restart clears it.
        await driver.Navigate().GoToUrlAsync($"http://127.0.0.1:{daemon.HttpPort}/#/");
        browser.Until(d => !d.FindElement(By.Id("banner")).Displayed, Short, "no banner before the stop");
        var exit = await daemon.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit code {exit}; output:\n{daemon.Output}");
        browser.Until(d => d.FindElement(By.Id("banner")).Displayed, Short, "the not-watching banner");
        Assert.StartsWith("PainStream is not watching.", driver.FindElement(By.Id("banner")).Text, StringComparison.Ordinal);
        browser.Screenshot("ward-1920x1080-not-watching");
        await using (var again = daemon.StartAgain())
        {
            browser.Until(d => !d.FindElement(By.Id("banner")).Displayed, TimeSpan.FromSeconds(45), "the banner cleared after the restart");
            Assert.Equal("online", driver.ExecuteScript("return window.painstream.available"));
            await again.TerminateAsync(TimeSpan.FromSeconds(30));
        }

        // While the daemon was down the browser logged its failed WebSocket reconnects; nothing else.
        Assert.All(browser.ConsoleErrors(), e => Assert.Contains("WebSocket connection to", e, StringComparison.Ordinal));
        TestContext.Current.TestOutputHelper?.WriteLine($"pain alert on the tile {alertAfter.TotalSeconds:0.0} s after the daemon started");
    }

    [Fact]
    public async Task Mosquitto_WebSocketsAndAcl_LoginIsRequired_NurseMaySnoozeButNotResetTheBaseline_BannerFollowsTheBroker()
    {
        Assert.True(Mosquitto.IsInstalled, "mosquitto is needed: run scripts/setup");
        using var dir = new TempDirectory("painstream-mosq-");
        var tcp = FreePort.Get();
        var ws = FreePort.Get();
        await using var broker = await AclBroker.StartAsync(dir, tcp, ws, Ct);
        var config = new Dictionary<string, object>
        {
            ["Mqtt"] = new Dictionary<string, object>
            {
                ["Host"] = "127.0.0.1", ["Port"] = tcp, ["Username"] = "painstream", ["Password"] = AclBroker.DaemonPassword, ["ReconnectMaxSeconds"] = 2,
            },
        };
        await using var daemon = DaemonProcess.Start(config);
        await daemon.WaitForOutputAsync("Nurse-station dashboard on", Short, Ct);

        using var browser = new Browser(1920, 1080);
        var driver = browser.Driver;
        await driver.Navigate().GoToUrlAsync($"http://127.0.0.1:{daemon.HttpPort}/?broker=ws://127.0.0.1:{ws}&login=1");

        // The broker requires credentials: the page asks; a wrong password is refused and said so.
        browser.Until(d => d.FindElement(By.Id("login")).Displayed, Short, "the sign-in form");
        driver.FindElement(By.Id("login-user")).SendKeys("nurse");
        driver.FindElement(By.Id("login-password")).SendKeys("wrong" + Keys.Enter);
        browser.Until(d => d.FindElement(By.Id("login-reason")).Text.Contains("refused these credentials", StringComparison.Ordinal), Short, "the refusal of a wrong password");
        Assert.True(driver.FindElement(By.Id("banner")).Displayed);
        browser.Screenshot("login-refused");
        driver.FindElement(By.Id("login-password")).Clear();
        driver.FindElement(By.Id("login-user")).Clear();
        driver.FindElement(By.Id("login-user")).SendKeys("nurse");
        driver.FindElement(By.Id("login-password")).SendKeys(AclBroker.NursePassword + Keys.Enter);
        browser.Until(d => d.FindElement(By.Id("conn-state")).Text == "connected as nurse", Short, "connected as nurse");
        browser.Until(d => d.FindElement(By.CssSelector("[data-bed='demo/bed']")).Displayed, Short, "the demo bed over Mosquitto");
        browser.Until(d => !d.FindElement(By.Id("banner")).Displayed, Short, "no banner");

        // The nurse may snooze (the daemon replies through Mosquitto) but not reset a baseline: Mosquitto's ACL refuses the
        // publish with MQTT 5 reason code 135 in its PUBACK, and the page says so.
        await driver.Navigate().GoToUrlAsync($"http://127.0.0.1:{daemon.HttpPort}/?broker=ws://127.0.0.1:{ws}#/bed/demo/bed");
        browser.Until(d => d.FindElement(By.Id("conn-state")).Text == "connected as nurse", Short, "connected again (credentials kept for the session)");
        driver.FindElement(By.CssSelector("#bed-snooze-minutes option[value='5']")).Click();
        driver.FindElement(By.Id("bed-snooze")).Click();
        browser.Until(d => d.FindElement(By.Id("bed-reply")).Text.StartsWith("snooze: done", StringComparison.Ordinal), Short, "the snooze reply");
        driver.FindElement(By.Id("bed-reset")).Click();
        driver.FindElement(By.Id("bed-reset-confirm")).Click();
        browser.Until(d => d.FindElement(By.Id("bed-reply")).Text == "baseline/reset refused by the broker: not authorized for this account", Short, "the refusal of the reset");
        Assert.DoesNotContain("baseline/reset", daemon.Output, StringComparison.Ordinal);
        browser.Screenshot("bed-detail-reset-refused");

        // The broker goes away: the banner; it comes back: the daemon reconnects, says online, the banner clears.
        await driver.Navigate().GoToUrlAsync($"http://127.0.0.1:{daemon.HttpPort}/?broker=ws://127.0.0.1:{ws}#/");
        browser.Until(d => !d.FindElement(By.Id("banner")).Displayed, Short, "no banner before the outage");
        await broker.KillAsync();
        browser.Until(d => d.FindElement(By.Id("banner")).Displayed, Short, "the not-watching banner");
        await broker.StartAgainAsync(Ct);
        browser.Until(d => !d.FindElement(By.Id("banner")).Displayed, TimeSpan.FromSeconds(45), "the banner cleared after the broker came back");
        Assert.All(browser.ConsoleErrors(), e => Assert.Contains("WebSocket connection to", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MalformedPayloads_AreSkippedAndCounted_TheRestStillShows()
    {
        // The embedded broker lets nobody but PainStream publish its output topics, so the junk comes through a broker that
        // does (an open Mosquitto, as a misconfigured site might run). The page reaches it through the daemon's /mqtt, which
        // relays to a broker PainStream did not start when no Http:DashboardBrokerUrl is set.
        await using var broker = await Mosquitto.StartAsync(cancellationToken: Ct);
        var config = new Dictionary<string, object>
        {
            ["Mqtt"] = new Dictionary<string, object> { ["Host"] = "127.0.0.1", ["Port"] = broker.Port },
            ["Demo"] = new Dictionary<string, object> { ["Enabled"] = false },
        };
        await using var daemon = DaemonProcess.Start(config);
        await daemon.WaitForOutputAsync("Nurse-station dashboard on", Short, Ct);
        Assert.Contains($"/mqtt relayed to 127.0.0.1:{broker.Port}", daemon.Output, StringComparison.Ordinal);
        using var browser = new Browser(1920, 1080);
        await browser.Driver.Navigate().GoToUrlAsync($"http://127.0.0.1:{daemon.HttpPort}/");
        browser.Until(d => d.FindElement(By.Id("conn-state")).Text.StartsWith("connected", StringComparison.Ordinal), Short, "connected");

        await using var probe = await MqttProbe.ConnectAsync(broker.Port, "painstream/#", cancellationToken: Ct);
        await probe.PublishAsync("painstream/alerts", "{not json", cancellationToken: Ct);
        await probe.PublishAsync("painstream/ward9/bed1/alert", "{\"state\":\"exploded\",\"seq\":1}", cancellationToken: Ct);
        await probe.PublishAsync("painstream/ward9/bed1/score", "[1,2,3]", cancellationToken: Ct);
        await probe.PublishAsync("painstream/ward9/bed2/score", "{\"ts\":\"2026-12-01T08:00:00Z\",\"pspi\":1.5,\"smoothed\":1.25,\"level\":\"idle\",\"confidence\":0.9,\"quality\":\"ok\",\"scorer\":\"geometric\"}", cancellationToken: Ct);

        browser.Until(d => Equals(((IJavaScriptExecutor)d).ExecuteScript("return window.painstream.skipped"), 3L), Short, "three skipped payloads");
        Assert.StartsWith("3 malformed messages skipped", browser.Driver.FindElement(By.Id("skipped")).Text, StringComparison.Ordinal);
        browser.Until(d => d.FindElement(By.CssSelector("[data-bed='ward9/bed2'] [data-testid='score']")).Text.StartsWith("score 1.3", StringComparison.Ordinal)
            || d.FindElement(By.CssSelector("[data-bed='ward9/bed2'] [data-testid='score']")).Text.StartsWith("score 1.2", StringComparison.Ordinal), Short, "the valid score shown");
        Assert.Empty(browser.ConsoleErrors());
    }

    private static async Task<JsonElement> ReplayUntilEndedAsync(DaemonProcess daemon, object? settings)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var body = new Dictionary<string, object?> { ["camera"] = "demo", ["bed"] = "bed", ["settings"] = settings };
            using var response = await http.PostAsJsonAsync(new Uri($"http://127.0.0.1:{daemon.HttpPort}/api/replay"), body, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, text);
            var root = JsonDocument.Parse(text).RootElement.Clone();

            // The history is written once a second: wait for the episode's end to be stored.
            if (root.GetProperty("actual").EnumerateArray().Any(e => e.GetProperty("endedAt").ValueKind == JsonValueKind.String))
            {
                return root;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the published episode's end never reached the history: " + text);
            await Task.Delay(250, Ct);
        }
    }

    /// <summary>Mosquitto with a TCP listener for the daemon, a websockets listener for the page, passwords and an ACL.</summary>
    private sealed class AclBroker : IAsyncDisposable
    {
        public const string DaemonPassword = "daemon-secret";
        public const string NursePassword = "nurse-secret";
        public const string IntegratorPassword = "integrator-secret";

        private readonly string _config;
        private readonly int _tcp;
        private Process? _process;

        private AclBroker(string config, int tcp)
        {
            _config = config;
            _tcp = tcp;
        }

        public static async Task<AclBroker> StartAsync(TempDirectory dir, int tcp, int ws, CancellationToken cancellationToken)
        {
            // Mosquitto started as root reads its password and ACL files as the mosquitto user: the folder must be readable.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(
                    dir.Path,
                    UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            var passwords = dir.File("passwd");
            await PasswdAsync(passwords, "painstream", DaemonPassword, create: true);
            await PasswdAsync(passwords, "nurse", NursePassword, create: false);
            await PasswdAsync(passwords, "integrator", IntegratorPassword, create: false);

            // The README's example ACL: nurses read everything and may acknowledge and snooze; integrators may also reset.
            await File.WriteAllTextAsync(dir.File("acl"), """
                user painstream
                topic readwrite painstream/#

                user nurse
                topic read painstream/#
                topic write painstream/+/+/ack
                topic write painstream/+/+/snooze

                user integrator
                topic read painstream/#
                topic write painstream/+/+/ack
                topic write painstream/+/+/snooze
                topic write painstream/+/+/baseline/reset
                """, cancellationToken);
            var config = dir.File("mosquitto.conf");
            await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
                persistence false
                allow_anonymous false
                password_file {passwords}
                acl_file {dir.File("acl")}
                log_dest stdout
                listener {tcp} 127.0.0.1
                listener {ws} 127.0.0.1
                protocol websockets
                """), cancellationToken);
            var broker = new AclBroker(config, tcp);
            await broker.StartAgainAsync(cancellationToken);
            return broker;
        }

        public async Task StartAgainAsync(CancellationToken cancellationToken)
        {
            var start = new ProcessStartInfo(Mosquitto.ExecutablePath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(_config);
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var client = new System.Net.Sockets.TcpClient();
                    await client.ConnectAsync("127.0.0.1", _tcp, cancellationToken);
                    return;
                }
                catch (System.Net.Sockets.SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited)
                {
                    await Task.Delay(50, cancellationToken);
                }
            }
        }

        public async Task KillAsync()
        {
            if (_process is { HasExited: false } process)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            _process?.Dispose();
            _process = null;
        }

        public async ValueTask DisposeAsync() => await KillAsync();

        private static async Task PasswdAsync(string file, string user, string password, bool create)
        {
            var start = new ProcessStartInfo("/usr/bin/mosquitto_passwd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add("-b");
            if (create)
            {
                start.ArgumentList.Add("-c");
            }

            start.ArgumentList.Add(file);
            start.ArgumentList.Add(user);
            start.ArgumentList.Add(password);
            using var process = Process.Start(start)!;
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
        }
    }
}

// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MQTTnet;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

// Usage: PainStream.DashboardBench [--beds 64] [--seconds 600] [--sample-seconds 30] [--out bench/results]
// N beds (8 a camera) publish a score a second each (and an alert episode now and then) to a local Mosquitto with a
// websockets listener; the dashboard (web/index.html?bench=1, from the file system) runs in Debian's headless Chromium.
// Measured: publish → tile updated in the DOM (the page's own clock, same machine), the page's JS heap, and the CPU time of
// the browser's processes. Writes bench/results/dashboard-<time>.md and .json.
var beds = 64;
var seconds = 600;
var sampleSeconds = 30;
var outDir = "bench/results";
for (var i = 0; i < args.Length - 1; i++)
{
    switch (args[i])
    {
        case "--beds": beds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--sample-seconds": sampleSeconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--out": outDir = args[++i]; break;
        default: break;
    }
}

var root = FindRoot();
var work = Directory.CreateTempSubdirectory("painstream-dashbench-").FullName;
var tcp = FreePort();
var ws = FreePort();
File.WriteAllText(Path.Combine(work, "mosquitto.conf"), $"persistence false\nallow_anonymous true\nlistener {tcp} 127.0.0.1\nlistener {ws} 127.0.0.1\nprotocol websockets\n");
using var mosquitto = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", Path.Combine(work, "mosquitto.conf")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
try
{
    await Task.Delay(500);
    var factory = new MqttClientFactory();
    using var client = factory.CreateMqttClient();
    await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", tcp).WithClientId("bench-publisher").WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
    async Task PublishAsync(string topic, string payload, bool retain = false, int qos = 0) =>
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel((MQTTnet.Protocol.MqttQualityOfServiceLevel)qos).Build());

    var names = Enumerable.Range(0, beds).Select(b => (Camera: $"ward{b / 8 + 1}", Bed: $"bed{b % 8 + 1}")).ToList();
    await PublishAsync("painstream/available", "online", retain: true, qos: 1);
    foreach (var camera in names.Select(n => n.Camera).Distinct())
    {
        await PublishAsync($"painstream/{camera}/status", "{\"state\":\"online\",\"fps\":5,\"lastFrameAt\":null,\"reconnects\":0,\"error\":null}", retain: true, qos: 1);
    }

    using var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
    service.SuppressInitialDiagnosticInformation = true;
    var profile = Path.Combine(work, "profile");
    var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
    options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--window-size=1920,1080", "--enable-precise-memory-info", "--user-data-dir=" + profile);
    using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    var page = new Uri(Path.Combine(root, "web", "index.html")).AbsoluteUri + $"?broker=ws://127.0.0.1:{ws}&bench=1";
    await driver.Navigate().GoToUrlAsync(page);
    var clock = Stopwatch.StartNew();
    while (!(driver.ExecuteScript("return window.painstream && window.painstream.connected") is true))
    {
        if (clock.Elapsed > TimeSpan.FromSeconds(20))
        {
            throw new InvalidOperationException("the page did not connect to the broker");
        }

        await Task.Delay(100);
    }

    var samples = new List<Dictionary<string, object>>();
    var cpuStart = BrowserCpuSeconds(profile);
    var cpuLast = cpuStart;
    var random = new Random(1);
    var seq = 1_800_000_000_000_000L;
    var open = new Dictionary<int, string>();
    clock.Restart();
    var nextSample = TimeSpan.FromSeconds(sampleSeconds);
    var tick = 0;
    while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
    {
        var due = TimeSpan.FromSeconds(tick++);
        if (due > clock.Elapsed)
        {
            await Task.Delay(due - clock.Elapsed);
        }

        for (var b = 0; b < names.Count; b++)
        {
            var (camera, bed) = names[b];
            var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            var score = random.NextDouble() * 3;
            await PublishAsync($"painstream/{camera}/{bed}/score", $"{{\"ts\":\"{now}\",\"pspi\":{score:0.00},\"smoothed\":{score:0.00},\"level\":\"idle\",\"confidence\":0.9,\"quality\":\"ok\",\"scorer\":\"geometric\"}}");
        }

        // About one episode event a second across the ward: new, then end 20 s later.
        var which = random.Next(names.Count);
        var (c, d) = names[which];
        var ts = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var type = open.Remove(which, out var id) ? "end" : "new";
        id ??= Guid.NewGuid().ToString("N");
        if (type == "new")
        {
            open[which] = id;
        }

        var evt = $"{{\"schema\":1,\"id\":\"{id}\",\"seq\":{++seq},\"type\":\"{type}\",\"priority\":\"low\",\"camera\":\"{c}\",\"bed\":\"{d}\",\"startedAt\":\"{ts}\",\"ts\":\"{ts}\",\"score\":5,\"peak\":6,\"reason\":\"pain\",\"cause\":\"{(type == "new" ? "onset" : "resolved")}\",\"acknowledged\":false,\"snoozedUntil\":null,\"model\":\"geometric\",\"explanation\":null}}";
        await PublishAsync("painstream/alerts", evt, qos: 1);
        await PublishAsync($"painstream/{c}/{d}/alert", type == "new" ? $"{{\"state\":\"active\",\"seq\":{++seq},\"ts\":\"{ts}\",\"episode\":{evt},\"technical\":[]}}" : $"{{\"state\":\"none\",\"seq\":{++seq},\"ts\":\"{ts}\"}}", retain: true, qos: 1);

        if (clock.Elapsed >= nextSample)
        {
            nextSample += TimeSpan.FromSeconds(sampleSeconds);
            var cpu = BrowserCpuSeconds(profile);
            var latencies = ((IEnumerable<object>)driver.ExecuteScript("const l = window.painstream.benchLatencies.splice(0); return l;")!).Select(Convert.ToDouble).Order().ToList();
            var heap = Convert.ToDouble(driver.ExecuteScript("return performance.memory.usedJSHeapSize"), CultureInfo.InvariantCulture) / 1e6;
            var row = new Dictionary<string, object>
            {
                ["t"] = Math.Round(clock.Elapsed.TotalSeconds),
                ["updates"] = latencies.Count,
                ["p50Ms"] = Pct(latencies, 0.50),
                ["p95Ms"] = Pct(latencies, 0.95),
                ["p99Ms"] = Pct(latencies, 0.99),
                ["browserCpuPercent"] = Math.Round((cpu - cpuLast) / sampleSeconds * 100, 1),
                ["heapMB"] = Math.Round(heap, 1),
                ["domNodes"] = Convert.ToInt64(driver.ExecuteScript("return document.getElementsByTagName('*').length"), CultureInfo.InvariantCulture),
            };
            cpuLast = cpu;
            samples.Add(row);
            Console.WriteLine(string.Join("  ", row.Select(kv => $"{kv.Key}={kv.Value}")));
        }
    }

    var errors = driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level == LogLevel.Severe).Select(e => e.Message).ToList();
    var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture);
    Directory.CreateDirectory(outDir);
    var result = new Dictionary<string, object> { ["beds"] = beds, ["seconds"] = seconds, ["machine"] = $"{Environment.ProcessorCount} cores (shared)", ["samples"] = samples, ["consoleErrors"] = errors };
    await File.WriteAllTextAsync(Path.Combine(outDir, $"dashboard-{stamp}.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
    var md = new StringBuilder();
    md.AppendLine(CultureInfo.InvariantCulture, $"# Dashboard under load: {beds} beds, {seconds} s ({stamp} UTC, {Environment.ProcessorCount} cores, shared machine)");
    md.AppendLine();
    md.AppendLine("Publish → tile updated in the DOM (ms), browser CPU (all its processes, % of one core), JS heap, per window:");
    md.AppendLine();
    md.AppendLine("| t (s) | updates | p50 | p95 | p99 | browser CPU % | heap MB | DOM nodes |");
    md.AppendLine("|---|---|---|---|---|---|---|---|");
    foreach (var s in samples)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"| {s["t"]} | {s["updates"]} | {s["p50Ms"]} | {s["p95Ms"]} | {s["p99Ms"]} | {s["browserCpuPercent"]} | {s["heapMB"]} | {s["domNodes"]} |");
    }

    md.AppendLine();
    md.AppendLine(CultureInfo.InvariantCulture, $"Console errors: {errors.Count}.");
    await File.WriteAllTextAsync(Path.Combine(outDir, $"dashboard-{stamp}.md"), md.ToString());
    Console.WriteLine(md);
    driver.Quit();
}
finally
{
    mosquitto.Kill();
    await mosquitto.WaitForExitAsync();
    Directory.Delete(work, recursive: true);
}

static double Pct(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)], 1);

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "PainStream.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("PainStream.sln not found above " + AppContext.BaseDirectory);
}

static double BrowserCpuSeconds(string profile)
{
    // The chromium process started with this profile and all its descendants (renderer, GPU, utility): utime + stime.
    var parent = new Dictionary<int, int>();
    var cpu = new Dictionary<int, double>();
    var roots = new HashSet<int>();
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        if (!int.TryParse(Path.GetFileName(dir), out var pid))
        {
            continue;
        }

        try
        {
            var stat = File.ReadAllText(Path.Combine(dir, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            parent[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            cpu[pid] = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
            if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("--user-data-dir=" + profile, StringComparison.Ordinal))
            {
                roots.Add(pid);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // The process ended meanwhile.
        }
    }

    bool Under(int pid)
    {
        for (var depth = 0; depth < 16 && pid > 1; depth++)
        {
            if (roots.Contains(pid))
            {
                return true;
            }

            if (!parent.TryGetValue(pid, out pid))
            {
                return false;
            }
        }

        return false;
    }

    return cpu.Where(kv => Under(kv.Key)).Sum(kv => kv.Value);
}

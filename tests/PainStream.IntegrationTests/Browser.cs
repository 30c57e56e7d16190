// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using PainStream.Testing;

namespace PainStream.IntegrationTests;

/// <summary>
/// Debian's headless Chromium driven by Debian's chromedriver through Selenium WebDriver: the system browser and driver,
/// nothing downloaded. One fresh profile per instance, removed on dispose with the browser and driver processes.
/// </summary>
internal sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverDirectory = "/usr/bin";
    public const string DriverName = "chromedriver";

    private readonly TempDirectory _profile = new("painstream-chromium-");
    private readonly ChromeDriverService _service;

    public Browser(int width, int height)
    {
        Assert.True(File.Exists(ChromiumPath) && File.Exists(Path.Combine(DriverDirectory, DriverName)), "Debian's chromium and chromium-driver are needed: run scripts/setup");
        _service = ChromeDriverService.CreateDefaultService(DriverDirectory, DriverName);
        _service.HideCommandPromptWindow = true;
        _service.SuppressInitialDiagnosticInformation = true;
        _service.Port = FreePort.Get();
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--window-size={width},{height}",
            "--user-data-dir=" + _profile.Path);
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        Driver = new ChromeDriver(_service, options, TimeSpan.FromSeconds(60));
        Resize(width, height);
    }

    public ChromeDriver Driver { get; }

    /// <summary>Gets the folder screenshots go to: artifacts/dashboard under the repository.</summary>
    public static string ScreenshotDirectory => Path.Combine(TestPaths.RepoRoot, "artifacts", "dashboard");

    /// <summary>Sets the page's viewport exactly (the window size of headless Chromium includes no browser UI, but be sure).</summary>
    public void Resize(int width, int height) =>
        Driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?> { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });

    public string Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, or fails with <paramref name="what"/> and the page's text.</summary>
    public T Until<T>(Func<IWebDriver, T?> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (condition(Driver) is { } value && (value is not bool b || b))
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is NoSuchElementException or StaleElementReferenceException or WebDriverException)
            {
                last = ex;
            }

            // The page changes on its own (MQTT messages); there is nothing to wait on but the DOM.
            Thread.Sleep(100);
        }

        var body = Driver.FindElement(By.TagName("body")).Text;
        Assert.Fail($"{what}: not within {timeout.TotalSeconds:0} s. {last?.Message}\nPage text:\n{body}");
        return default!;
    }

    /// <summary>Gets the console's errors (level SEVERE) since the last call.</summary>
    public IReadOnlyList<string> ConsoleErrors() =>
        Driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level == LogLevel.Severe).Select(e => e.Message).ToList();

    public void Dispose()
    {
        try
        {
            Driver.Quit();
        }
        finally
        {
            Driver.Dispose();
            _service.Dispose();
            _profile.Dispose();
        }
    }
}

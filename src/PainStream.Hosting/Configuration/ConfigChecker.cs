// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PainStream.Alerts.Mqtt;
using PainStream.Core.Cameras;
using PainStream.Core.Options;

namespace PainStream.Hosting.Configuration;

/// <summary>
/// Checks a whole configuration and reports every problem with its key path: unknown keys (typos fail fast), values that
/// do not convert, and the options validators' rules. Used at start-up, by <c>painstream check-config</c> and on every
/// hot reload, so the three can never disagree.
/// </summary>
internal static partial class ConfigChecker
{
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [CamerasOptions.SectionName] = typeof(CamerasOptions),
        [CaptureOptions.SectionName] = typeof(CaptureOptions),
        [DetectionOptions.SectionName] = typeof(DetectionOptions),
        [PipelineOptions.SectionName] = typeof(PipelineOptions),
        [MqttOptions.SectionName] = typeof(MqttOptions),
        [HttpOptions.SectionName] = typeof(HttpOptions),
        [DemoOptions.SectionName] = typeof(DemoOptions),
        [AlertingOptions.SectionName] = typeof(AlertingOptions),
        [ScoringOptions.SectionName] = typeof(ScoringOptions),
        [FaceQualityOptions.SectionName] = typeof(FaceQualityOptions),
        [ShardOptions.SectionName] = typeof(ShardOptions),
    };

    // Sections owned by the host, not by PainStream: their keys are not checked here.
    private static readonly HashSet<string> HostSections = new(StringComparer.OrdinalIgnoreCase) { "Logging" };

    /// <summary>Checks <paramref name="configuration"/>.</summary>
    /// <param name="configuration">The configuration root.</param>
    /// <param name="settings">The settings when there is no problem.</param>
    /// <returns>Every problem as <c>key: reason</c>; empty when the configuration is valid.</returns>
    public static IReadOnlyList<string> Check(IConfiguration configuration, out PainStreamSettings? settings)
    {
        var problems = new List<string>();
        var badValues = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in configuration.GetChildren())
        {
            if (!Sections.ContainsKey(child.Key) && !HostSections.Contains(child.Key))
            {
                problems.Add($"{child.Path}: unknown section (known: {string.Join(", ", Sections.Keys)}, Logging)");
            }
            else if (Sections.TryGetValue(child.Key, out var type))
            {
                FindUnknownKeys(child, type, problems, badValues);
            }
        }

        // Values that do not convert were reported above, each with its key; the sections are bound without them, so the
        // validators still check every other value of the same section in this run.
        var cameras = Bind<CamerasOptions>(configuration, CamerasOptions.SectionName, problems, badValues);
        var capture = Bind<CaptureOptions>(configuration, CaptureOptions.SectionName, problems, badValues);
        var detection = Bind<DetectionOptions>(configuration, DetectionOptions.SectionName, problems, badValues);
        var pipeline = Bind<PipelineOptions>(configuration, PipelineOptions.SectionName, problems, badValues);
        var mqtt = Bind<MqttOptions>(configuration, MqttOptions.SectionName, problems, badValues);
        var http = Bind<HttpOptions>(configuration, HttpOptions.SectionName, problems, badValues);
        var demo = Bind<DemoOptions>(configuration, DemoOptions.SectionName, problems, badValues);
        var alerting = Bind<AlertingOptions>(configuration, AlertingOptions.SectionName, problems, badValues);
        var scoring = Bind<ScoringOptions>(configuration, ScoringOptions.SectionName, problems, badValues);
        var quality = Bind<FaceQualityOptions>(configuration, FaceQualityOptions.SectionName, problems, badValues);
        var shard = Bind<ShardOptions>(configuration, ShardOptions.SectionName, problems, badValues);

        Validate(new CamerasOptionsValidator(), CamerasOptions.SectionName, cameras, problems);
        Validate(new CaptureOptionsValidator(), CaptureOptions.SectionName, capture, problems);
        Validate(new CaptureOptionsRulesValidator(), CaptureOptions.SectionName, capture, problems);
        Validate(new DetectionOptionsValidator(), DetectionOptions.SectionName, detection, problems);
        Validate(new PipelineOptionsValidator(), PipelineOptions.SectionName, pipeline, problems);
        Validate(new MqttOptionsValidator(), MqttOptions.SectionName, mqtt, problems);
        if (mqtt is not null)
        {
            // What the embedded broker refuses to start with (e.g. beyond loopback without Mqtt:PasswordFile): one rule.
            problems.AddRange(BrokerConfigRules.Check(mqtt));
        }

        Validate(new HttpOptionsValidator(), HttpOptions.SectionName, http, problems);
        Validate(new DemoOptionsValidator(), DemoOptions.SectionName, demo, problems);
        Validate(new AlertingOptionsValidator(), AlertingOptions.SectionName, alerting, problems);
        Validate(new ScoringOptionsValidator(), ScoringOptions.SectionName, scoring, problems);
        Validate(new FaceQualityOptionsValidator(), FaceQualityOptions.SectionName, quality, problems);
        Validate(new FaceQualityOptionsRulesValidator(), FaceQualityOptions.SectionName, quality, problems);
        Validate(new ShardOptionsValidator(), ShardOptions.SectionName, shard, problems);
        var assignment = ShardAssignment.OneInstance;
        if (shard is not null && problems.Count == 0 && !ShardOptionsResolver.TryResolve(shard, Environment.MachineName, out assignment, out var shardProblem))
        {
            problems.Add(shardProblem!);
        }

        if (mqtt is not null && mqtt.Instance.Length > 0)
        {
            problems.Add($"{MqttOptions.SectionName}:Instance: not a configuration key; set {ShardOptions.SectionName}:Instance");
        }
        if (problems.Count == 0)
        {
            // Cross-field rules of every resolved policy (e.g. OffThreshold below OnThreshold after the overrides).
            problems.AddRange(AlertingRules.Check(alerting!, cameras!));
        }

        if (cameras is not null && scoring is not null)
        {
            // Every onnx:<model> a camera (or the default) selects is a configured model, and every model has a path.
            problems.AddRange(ScorerRules.Check(cameras, scoring));
        }

        settings = problems.Count == 0 ? new PainStreamSettings(cameras!, capture!, detection!, pipeline!, mqtt!, http!, demo!, alerting!, scoring!, quality!) { Shard = shard!, Assignment = assignment } : null;
        return problems;
    }

    /// <summary>
    /// Warnings about a valid configuration that is nevertheless risky: listeners beyond loopback without authentication,
    /// broker roles given to users the password file does not contain.
    /// </summary>
    /// <param name="settings">The checked settings.</param>
    /// <returns>One line per warning, each starting with its key path.</returns>
    public static IReadOnlyList<string> Warnings(PainStreamSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var warnings = new List<string>();
        if (settings.Http.Enabled && ListenHost(settings.Http.Url) is { } host && !IsLoopback(host))
        {
            warnings.Add($"{HttpOptions.SectionName}:Url: listens on {host}, beyond loopback, without authentication: anyone who can reach it reads "
                + "/metrics (camera names, states) and /healthz; keep it on 127.0.0.1 and scrape through a reverse proxy with authentication");
        }

        warnings.AddRange(BrokerConfigRules.Warnings(settings.Mqtt));
        warnings.AddRange(BedPixelRules.Warnings(settings.Cameras, settings.Capture, settings.FaceQuality));
        return warnings;
    }

    /// <summary>
    /// The <c>check-config</c> verb's file checks for the broker: the embedded broker's password file and TLS certificate
    /// and key, or the CA file and client certificate for TLS to an external broker (<see cref="BrokerConfigRules.CheckFiles"/>,
    /// the loaders the broker and the publisher use at start).
    /// </summary>
    /// <param name="settings">The checked settings.</param>
    /// <returns>One problem per file, as <c>Mqtt:Key: path: reason</c>.</returns>
    public static IReadOnlyList<string> CheckFiles(PainStreamSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return BrokerConfigRules.CheckFiles(settings.Mqtt);
    }

    /// <summary>
    /// The <c>check-config</c> verb's camera source checks: the scheme and shape of every camera URL
    /// (<see cref="CameraUrlRules"/>), and with <paramref name="probe"/> ffmpeg opening each <c>lavfi:</c> graph.
    /// </summary>
    /// <remarks>
    /// Not part of <see cref="Check"/> on purpose: at start and on a reload one bad camera must not stop the others (capture
    /// reports it offline with the reason and retries), while <c>check-config</c>, run before deploying, refuses it, since
    /// capture would otherwise retry it for ever.
    /// </remarks>
    /// <param name="settings">The checked settings.</param>
    /// <param name="probe">Whether to start ffmpeg for each <c>lavfi:</c> graph that passes the static checks.</param>
    /// <returns>One problem per bad camera source, as <c>Cameras:NAME:Url: reason</c>.</returns>
    public static IReadOnlyList<string> CheckSources(PainStreamSettings settings, bool probe)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = CameraUrlRules.Check(settings.Cameras).ToList();
        if (!probe)
        {
            return problems;
        }

        foreach (var (id, camera) in settings.Cameras)
        {
            var url = camera?.Url.Trim() ?? string.Empty;
            var key = $"{CamerasOptions.SectionName}:{id}:Url: ";
            if (url.StartsWith("lavfi:", StringComparison.OrdinalIgnoreCase) && !problems.Exists(p => p.StartsWith(key, StringComparison.Ordinal))
                && CameraUrlRules.ProbeLavfi(settings.Capture.FfmpegPath, url["lavfi:".Length..], TimeSpan.FromSeconds(10)) is { } problem)
            {
                problems.Add(key + problem);
            }
        }

        return problems;
    }

    /// <summary>
    /// Describes why a configuration file could not be loaded; for a JSON syntax error, with the file, line and column
    /// (1-based) where the parser stopped.
    /// </summary>
    /// <param name="file">The main configuration file (named when the failing one cannot be told).</param>
    /// <param name="ex">The load failure.</param>
    /// <returns>One problem line.</returns>
    public static string DescribeLoadFailure(string file, Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var failing = FailingFile().Match(ex.Message) is { Success: true } m ? m.Groups["file"].Value : file;
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is JsonException json)
            {
                var line = json.LineNumber is { } l ? (l + 1).ToString(CultureInfo.InvariantCulture) : "?";
                var column = json.BytePositionInLine is { } c ? (c + 1).ToString(CultureInfo.InvariantCulture) : "?";
                return $"{failing}:{line}:{column}: JSON syntax error (line {line}, column {column}): {FirstSentence(json.Message)}";
            }
        }

        return $"{file}: {ex.Message}";
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends " LineNumber: 3 | BytePositionInLine: 7." which the prefix already says.
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut].TrimEnd() : message;
    }

    private static string? ListenHost(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return null;
        }

        return uri.Host.Trim('[', ']');
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    private static T? Bind<T>(IConfiguration configuration, string section, List<string> problems, HashSet<string> badValues)
        where T : class, new()
    {
        var source = configuration.GetSection(section);
        if (badValues.Count > 0 && source.AsEnumerable().Any(kv => badValues.Contains(kv.Key)))
        {
            // Bind what remains; the removed values keep their defaults and were reported already.
            var remaining = source.AsEnumerable().Where(kv => kv.Value is not null && !badValues.Contains(kv.Key));
            source = new ConfigurationBuilder().AddInMemoryCollection(remaining).Build().GetSection(section);
        }

        try
        {
            // Unknown keys and values that do not convert were reported with their full paths above.
            return source.Get<T>() ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            problems.Add(ConversionProblem(section, ex));
            return null;
        }
    }

    private static string Describe(Exception ex)
    {
        // The binder wraps the converter's error: "Failed to convert configuration value at 'Capture:Fps' to type …".
        var message = ex.Message;
        if (ex.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal))
        {
            message += " (" + inner.Message + ")";
        }

        return message;
    }

    private static void Validate<T>(IValidateOptions<T> validator, string section, T? options, List<string> problems)
        where T : class
    {
        if (options is null)
        {
            return;
        }

        var result = validator.Validate(section, options);
        if (result.Failed)
        {
            foreach (var failure in result.Failures)
            {
                problems.Add(Normalise(section, failure));
            }
        }
    }

    // Every problem starts with its key path. The generated validators say "Url: The Cameras:bed-2.Url field is required."
    // (a nested object adds ".Alerting" to the owner: "ReAlertMinutes: The field Cameras:bed-2.Alerting.ReAlertMinutes …")
    // and hand-written rules "Property Cameras:bed-2:Region: …"; all become "Cameras:bed-2:Url: …",
    // "Cameras:bed-2:Alerting:ReAlertMinutes: …".
    private static string Normalise(string section, string failure)
    {
        const string PropertyPrefix = "Property ";
        if (failure.StartsWith(section + ":", StringComparison.Ordinal))
        {
            return failure; // Already a full key path (e.g. a bed layout problem).
        }

        if (failure.StartsWith(PropertyPrefix, StringComparison.Ordinal))
        {
            return failure[PropertyPrefix.Length..];
        }

        var member = MemberPrefix().Match(failure);
        if (member.Success)
        {
            var name = member.Groups["member"].Value;
            var text = member.Groups["text"].Value;
            var owner = Regex.Match(text, $@"^(?:The field |The )(?<owner>[^']+?)\.{Regex.Escape(name)}\b", RegexOptions.CultureInvariant);
            return $"{(owner.Success ? owner.Groups["owner"].Value.Replace('.', ':') : section)}:{name}: {text}";
        }

        return $"{section}: {failure}";
    }

    // The binder says "Failed to convert configuration value 'x' at 'Mqtt:Port' to type …": lead with that key.
    private static string ConversionProblem(string section, Exception ex)
    {
        var message = Describe(ex);
        var at = ConversionKey().Match(message);
        return at.Success ? $"{at.Groups["key"].Value}: {message}" : $"{section}: {message}";
    }

    [GeneratedRegex(@"^(?<member>\w+): (?<text>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex MemberPrefix();

    [GeneratedRegex(@" at '(?<key>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex ConversionKey();

    [GeneratedRegex(@"file '(?<file>[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex FailingFile();

    private static void FindUnknownKeys(IConfigurationSection section, Type type, List<string> problems, HashSet<string> badValues)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var children = section.GetChildren().ToList();
        if (IsScalar(type))
        {
            if (children.Count > 0)
            {
                problems.Add($"{section.Path}: expected a single value, found an object");
            }
            else if (ConversionError(section.Value, type) is { } error)
            {
                problems.Add($"{section.Path}: {error}");
                badValues.Add(section.Path);
            }

            return;
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            foreach (var child in children)
            {
                FindUnknownKeys(child, valueType, problems, badValues);
            }

            return;
        }

        if (section.Value is not null && children.Count == 0 && section.Value.Length > 0)
        {
            // Never echo the value: a forgotten "__Url" suffix would print a camera URL with its credentials.
            problems.Add($"{section.Path}: expected an object, found a single value");
            return;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in children)
        {
            if (properties.TryGetValue(child.Key, out var property))
            {
                FindUnknownKeys(child, property.PropertyType, problems, badValues);
            }
            else
            {
                problems.Add($"{child.Path}: unknown key (known: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))})");
            }
        }
    }

    /// <summary>Converts a value as the binder would; says why it does not convert (strings always do).</summary>
    private static string? ConversionError(string? value, Type type)
    {
        if (string.IsNullOrEmpty(value) || type == typeof(string))
        {
            return null;
        }

        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException || ex.InnerException is FormatException or OverflowException)
        {
            // Not a secret: only strings may hold one, and they always convert.
            var expected = type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}"
                : type == typeof(bool) ? "true or false"
                : type == typeof(int) || type == typeof(long) ? "a whole number"
                : type == typeof(double) || type == typeof(float) || type == typeof(decimal) ? "a number (with '.' as the decimal point)"
                : type == typeof(TimeSpan) ? "a time span such as 00:00:30"
                : $"a value of type {type.Name}";
            return $"'{value}' is not valid here: expected {expected}";
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Uri);

    private static Type? DictionaryValueType(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                return t.GetGenericArguments()[1];
            }
        }

        return typeof(IDictionary).IsAssignableFrom(type) ? typeof(object) : null;
    }
}

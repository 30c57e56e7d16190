// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PainStream.Core.Cameras;
using PainStream.Core.Options;

namespace PainStream.Daemon.Configuration;

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
        foreach (var child in configuration.GetChildren())
        {
            if (!Sections.ContainsKey(child.Key) && !HostSections.Contains(child.Key))
            {
                problems.Add($"{child.Path}: unknown section (known: {string.Join(", ", Sections.Keys)}, Logging)");
            }
            else if (Sections.TryGetValue(child.Key, out var type))
            {
                FindUnknownKeys(child, type, problems);
            }
        }

        var cameras = Bind<CamerasOptions>(configuration, CamerasOptions.SectionName, problems);
        var capture = Bind<CaptureOptions>(configuration, CaptureOptions.SectionName, problems);
        var detection = Bind<DetectionOptions>(configuration, DetectionOptions.SectionName, problems);
        var pipeline = Bind<PipelineOptions>(configuration, PipelineOptions.SectionName, problems);
        var mqtt = Bind<MqttOptions>(configuration, MqttOptions.SectionName, problems);
        var http = Bind<HttpOptions>(configuration, HttpOptions.SectionName, problems);
        var demo = Bind<DemoOptions>(configuration, DemoOptions.SectionName, problems);
        var alerting = Bind<AlertingOptions>(configuration, AlertingOptions.SectionName, problems);
        var scoring = Bind<ScoringOptions>(configuration, ScoringOptions.SectionName, problems);
        var quality = Bind<FaceQualityOptions>(configuration, FaceQualityOptions.SectionName, problems);
        var shard = Bind<ShardOptions>(configuration, ShardOptions.SectionName, problems);

        Validate(new CamerasOptionsValidator(), CamerasOptions.SectionName, cameras, problems);
        Validate(new CaptureOptionsValidator(), CaptureOptions.SectionName, capture, problems);
        Validate(new CaptureOptionsRulesValidator(), CaptureOptions.SectionName, capture, problems);
        Validate(new DetectionOptionsValidator(), DetectionOptions.SectionName, detection, problems);
        Validate(new PipelineOptionsValidator(), PipelineOptions.SectionName, pipeline, problems);
        Validate(new MqttOptionsValidator(), MqttOptions.SectionName, mqtt, problems);
        Validate(new HttpOptionsValidator(), HttpOptions.SectionName, http, problems);
        Validate(new DemoOptionsValidator(), DemoOptions.SectionName, demo, problems);
        Validate(new AlertingOptionsValidator(), AlertingOptions.SectionName, alerting, problems);
        Validate(new ScoringOptionsValidator(), ScoringOptions.SectionName, scoring, problems);
        Validate(new FaceQualityOptionsValidator(), FaceQualityOptions.SectionName, quality, problems);
        Validate(new FaceQualityOptionsRulesValidator(), FaceQualityOptions.SectionName, quality, problems);
        Validate(new ShardOptionsValidator(), ShardOptions.SectionName, shard, problems);
        var assignment = ShardAssignment.OneInstance;
        if (shard is not null && problems.Count == 0 && !ShardAssignment.TryResolve(shard, Environment.MachineName, out assignment, out var shardProblem))
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

    private static T? Bind<T>(IConfiguration configuration, string section, List<string> problems)
        where T : class, new()
    {
        try
        {
            // Unknown keys were reported with their full paths above; here only conversion errors remain.
            return configuration.GetSection(section).Get<T>() ?? new T();
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

    private static void FindUnknownKeys(IConfigurationSection section, Type type, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var children = section.GetChildren().ToList();
        if (IsScalar(type))
        {
            if (children.Count > 0)
            {
                problems.Add($"{section.Path}: expected a single value, found an object");
            }

            return;
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            foreach (var child in children)
            {
                FindUnknownKeys(child, valueType, problems);
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
                FindUnknownKeys(child, property.PropertyType, problems);
            }
            else
            {
                problems.Add($"{child.Path}: unknown key (known: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))})");
            }
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

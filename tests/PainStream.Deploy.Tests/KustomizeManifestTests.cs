// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;
using PainStream.Testing;

namespace PainStream.Deploy.Tests;

/// <summary>
/// The Kustomize manifests in deploy/kubernetes, validated offline (issue 16): <c>kubectl kustomize</c> renders them, every
/// rendered document loads strictly with the Kubernetes client's models (unknown fields and wrong types fail), and the fields
/// PainStream depends on are checked one by one.
/// </summary>
public sealed class KustomizeManifestTests
{
    private static readonly string Kustomize = Path.Combine(TestPaths.RepoRoot, "deploy", "kubernetes");

    public static TheoryData<string> Variants => new() { "base", "overlays/gpu" };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Render_LoadsStrictlyWithEveryExpectedKind(string variant)
    {
        var objects = Load(variant);

        var kinds = objects.Select(o => ((IKubernetesObject)o).Kind).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["ConfigMap", "ConfigMap", "Deployment", "Namespace", "PersistentVolumeClaim", "PersistentVolumeClaim", "Secret", "Secret", "Service", "Service", "StatefulSet"],
            kinds);
        Assert.All(objects.OfType<IMetadata<V1ObjectMeta>>().Where(o => o is not V1Namespace), o => Assert.Equal("painstream", o.Metadata.NamespaceProperty));
    }

    [Fact]
    public void Load_UnknownField_IsRejected()
    {
        // The strict load is what makes the checks above mean something: a typo must fail, not be dropped.
        var yaml = Render("base").Replace("  replicas: 3", "  replcas: 3", StringComparison.Ordinal);

        Assert.Contains("replcas: 3", yaml, StringComparison.Ordinal);
        Assert.NotEmpty(KubernetesYaml.LoadAllFromString(yaml)); // lenient: silently dropped
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, strict: true));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void StatefulSet_ShardsProbesResourcesAndVolumes(string variant)
    {
        var objects = Load(variant);
        var set = Assert.Single(objects.OfType<V1StatefulSet>());
        var pod = set.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        // One shard per replica: Shard:Count in the mounted config equals the replica count.
        var config = objects.OfType<V1ConfigMap>().Single(c => c.Metadata.Name == "painstream-config");
        using var json = JsonDocument.Parse(config.Data["painstream.json"]);
        Assert.Equal(set.Spec.Replicas, json.RootElement.GetProperty("Shard").GetProperty("Count").GetInt32());
        Assert.False(json.RootElement.GetProperty("Shard").TryGetProperty("Index", out _)); // from the pod ordinal

        // The governing Service exists and is headless.
        var service = objects.OfType<V1Service>().Single(s => s.Metadata.Name == set.Spec.ServiceName);
        Assert.Equal("None", service.Spec.ClusterIP);
        Assert.All(service.Spec.Selector, kv => Assert.Equal(kv.Value, set.Spec.Template.Metadata.Labels[kv.Key]));
        Assert.All(set.Spec.Selector.MatchLabels, kv => Assert.Equal(kv.Value, set.Spec.Template.Metadata.Labels[kv.Key]));

        // Probes: liveness on /healthz, readiness on /readyz, on a port the container declares.
        var ports = container.Ports.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Contains(container.LivenessProbe.HttpGet.Port.Value, ports);
        Assert.Contains(container.ReadinessProbe.HttpGet.Port.Value, ports);
        Assert.Equal("http://0.0.0.0:9464", json.RootElement.GetProperty("Http").GetProperty("Url").GetString());
        Assert.Equal(9464, container.Ports.Single(p => p.Name == "http").ContainerPort);

        // Resources and a non-root user.
        Assert.True(container.Resources.Requests.ContainsKey("cpu"));
        Assert.True(container.Resources.Requests.ContainsKey("memory"));
        Assert.True(container.Resources.Limits.ContainsKey("memory"));
        Assert.True(pod.SecurityContext.RunAsNonRoot);

        // A volume each (outbox), the shared baselines, and every referenced ConfigMap/Secret/claim rendered.
        var template = Assert.Single(set.Spec.VolumeClaimTemplates);
        var mounts = container.VolumeMounts.ToDictionary(m => m.Name, m => m.MountPath, StringComparer.Ordinal);
        Assert.Equal("/var/lib/painstream", mounts[template.Metadata.Name]);
        Assert.StartsWith("/var/lib/painstream/", json.RootElement.GetProperty("Mqtt").GetProperty("OutboxPath").GetString(), StringComparison.Ordinal);
        var shared = pod.Volumes.Single(v => v.PersistentVolumeClaim is not null);
        Assert.Contains("ReadWriteMany", objects.OfType<V1PersistentVolumeClaim>().Single(c => c.Metadata.Name == shared.PersistentVolumeClaim.ClaimName).Spec.AccessModes);
        Assert.StartsWith(mounts[shared.Name] + "/", json.RootElement.GetProperty("Scoring").GetProperty("StateDirectory").GetString(), StringComparison.Ordinal);
        AssertReferencesRendered(objects, pod);
        var secret = container.EnvFrom.Single().SecretRef.Name;
        Assert.Contains(objects.OfType<V1Secret>(), s => s.Metadata.Name == secret);
    }

    [Fact]
    public void GpuOverlay_RequestsOneGpuPerShard_AndTheBaseNone()
    {
        var gpu = Assert.Single(Assert.Single(Load("overlays/gpu").OfType<V1StatefulSet>()).Spec.Template.Spec.Containers);
        var cpu = Assert.Single(Assert.Single(Load("base").OfType<V1StatefulSet>()).Spec.Template.Spec.Containers);

        Assert.Equal(new ResourceQuantity("1"), gpu.Resources.Limits["nvidia.com/gpu"]);
        Assert.EndsWith(":gpu", gpu.Image, StringComparison.Ordinal);
        Assert.Contains(gpu.Env, e => e.Name == "PAINSTREAM__Capture__HardwareDecode" && e.Value == "Cuda");
        Assert.False(cpu.Resources.Limits.ContainsKey("nvidia.com/gpu"));
    }

    [Fact]
    public void Mosquitto_PersistenceWebsocketsAndAcl()
    {
        var objects = Load("base");
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        var config = objects.OfType<V1ConfigMap>().Single(c => c.Metadata.Name.StartsWith("mosquitto-config", StringComparison.Ordinal));
        var conf = config.Data["mosquitto.conf"].Split('\n').Select(l => l.Trim()).ToList();
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        var mounts = container.VolumeMounts.ToDictionary(m => m.Name, m => m.MountPath, StringComparer.Ordinal);

        Assert.Contains("persistence true", conf);
        var location = conf.Single(l => l.StartsWith("persistence_location ", StringComparison.Ordinal))["persistence_location ".Length..].TrimEnd('/');
        var dataVolume = deployment.Spec.Template.Spec.Volumes.Single(v => v.PersistentVolumeClaim is not null);
        Assert.Equal(location, mounts[dataVolume.Name]);
        Assert.Contains("protocol websockets", conf);
        Assert.Contains("allow_anonymous false", conf);
        var acl = conf.Single(l => l.StartsWith("acl_file ", StringComparison.Ordinal))["acl_file ".Length..];
        Assert.Equal(mounts["config"] + "/acl", acl);
        Assert.Contains("topic readwrite painstream/#", config.Data["acl"], StringComparison.Ordinal);
        var service = objects.OfType<V1Service>().Single(s => s.Metadata.Name == "mosquitto");
        Assert.Equal([1883, 9001], service.Spec.Ports.Select(p => p.Port).Order());
        AssertReferencesRendered(objects, deployment.Spec.Template.Spec);

        // PainStream connects to this Service.
        using var json = JsonDocument.Parse(objects.OfType<V1ConfigMap>().Single(c => c.Metadata.Name == "painstream-config").Data["painstream.json"]);
        Assert.Equal("mosquitto", json.RootElement.GetProperty("Mqtt").GetProperty("Host").GetString());
    }

    private static void AssertReferencesRendered(List<object> objects, V1PodSpec pod)
    {
        foreach (var volume in pod.Volumes)
        {
            if (volume.ConfigMap is { } map)
            {
                Assert.Contains(objects.OfType<V1ConfigMap>(), c => c.Metadata.Name == map.Name);
            }
            else if (volume.Secret is { } secret)
            {
                Assert.Contains(objects.OfType<V1Secret>(), s => s.Metadata.Name == secret.SecretName);
            }
            else if (volume.PersistentVolumeClaim is { } claim)
            {
                Assert.Contains(objects.OfType<V1PersistentVolumeClaim>(), c => c.Metadata.Name == claim.ClaimName);
            }
        }

        var names = pod.Volumes.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(pod.Containers.SelectMany(c => c.VolumeMounts), m => Assert.True(names.Contains(m.Name) || m.Name == "state", m.Name));
    }

    private static List<object> Load(string variant) => KubernetesYaml.LoadAllFromString(Render(variant), strict: true);

    private static string Render(string variant)
    {
        var kubectl = File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";
        var start = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(Path.Combine(Kustomize, variant));
        using var process = new Process { StartInfo = start };
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {variant} failed: {stderr}");
        return stdout;
    }
}

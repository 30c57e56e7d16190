// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Reflection;
using System.Runtime.CompilerServices;
using PainStream.Core.Frames;

namespace PainStream.Core.Tests.Architecture;

/// <summary>
/// Core's namespaces form no cycle (issue 15, item 1): a namespace that names a type of another — in a base type, an
/// interface, a field, a property, an event, a constructor's or a method's signature, generic arguments included — depends
/// on it, and following those dependencies never leads back. Compiler-generated types (lambdas, state machines) are
/// method bodies, not signatures, and are left out. The one cycle still owed is listed (<see cref="KnownCycles"/>).
/// </summary>
public sealed class NamespaceCycleTests
{
    /// <summary>
    /// The cycles still owed (docs/architecture.md, "Known debts"): Detection ↔ Scoring, because a face analysis carries its
    /// pending crop score (<c>FaceAnalysis.CropScore</c>) while the scorers take face analyses and crops.
    /// </summary>
    private static readonly HashSet<string>[] KnownCycles =
    [
        new(["PainStream.Core.Detection", "PainStream.Core.Scoring"], StringComparer.Ordinal),
    ];

    private const BindingFlags Members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void Core_namespaces_form_no_cycle()
    {
        var why = new Dictionary<(string, string), List<string>>();
        var graph = DependencyGraph(typeof(CameraId).Assembly, why);

        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();
        var unknown = cycles.Where(c => !KnownCycles.Any(k => k.SetEquals(c))).ToList();

        Assert.True(unknown.Count == 0, "namespace cycles in PainStream.Core: " + string.Join("; ", unknown.Select(c => Describe(c, graph, why))));

        // A known debt that is paid must leave this list (and docs/architecture.md's "Known debts") too.
        Assert.All(KnownCycles, k => Assert.Contains(cycles, c => k.SetEquals(c)));
    }

    [Fact]
    public void The_graph_sees_the_dependencies_a_cycle_would_be_made_of()
    {
        var graph = DependencyGraph(typeof(CameraId).Assembly);

        // Known edges, one per kind of reference the walk follows (so a cycle cannot hide from an empty graph).
        Assert.Contains("PainStream.Core.Frames", graph["PainStream.Core.Pipeline"]); // constructor and method signatures
        Assert.Contains("PainStream.Core.Alerting", graph["PainStream.Core.Publishing"]); // interface method parameters
        Assert.Contains("PainStream.Core.Cameras", graph["PainStream.Core.Options"]); // CameraOptionsResolver's signatures
        Assert.DoesNotContain("PainStream.Core.Pipeline", graph.GetValueOrDefault("PainStream.Core.Frames", []));

        // The debts paid (issue 15): the option → settings mapping and the status publishing moved out of Cameras; the
        // bed assigner's interface moved to Tracking.
        Assert.DoesNotContain("PainStream.Core.Options", graph["PainStream.Core.Cameras"]);
        Assert.DoesNotContain("PainStream.Core.Publishing", graph["PainStream.Core.Cameras"]);
        Assert.DoesNotContain("PainStream.Core.Pipeline", graph["PainStream.Core.Tracking"]);
    }

    /// <summary>Namespace → the Core namespaces its types name.</summary>
    internal static Dictionary<string, HashSet<string>> DependencyGraph(Assembly assembly, Dictionary<(string, string), List<string>>? why = null)
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes().Where(t => t.Namespace is not null && !IsGenerated(t)))
        {
            var from = type.Namespace!;
            var edges = graph.TryGetValue(from, out var set) ? set : graph[from] = new HashSet<string>(StringComparer.Ordinal);
            foreach (var used in Referenced(type).SelectMany(Unwrap))
            {
                if (used.Assembly == assembly && used.Namespace is { } to && to != from && !IsGenerated(used))
                {
                    edges.Add(to);
                    if (why is not null)
                    {
                        var list = why.TryGetValue((from, to), out var l) ? l : why[(from, to)] = [];
                        list.Add($"{type.Name}→{used.Name}");
                    }
                }
            }
        }

        return graph;
    }

    private static bool IsGenerated(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) || (type.DeclaringType is { } outer && IsGenerated(outer));

    private static IEnumerable<Type> Referenced(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }

        foreach (var field in type.GetFields(Members).Where(f => !f.IsDefined(typeof(CompilerGeneratedAttribute), false)))
        {
            yield return field.FieldType;
        }

        foreach (var property in type.GetProperties(Members))
        {
            yield return property.PropertyType;
        }

        foreach (var e in type.GetEvents(Members))
        {
            yield return e.EventHandlerType!;
        }

        foreach (var method in type.GetMethods(Members).Where(m => !m.IsDefined(typeof(CompilerGeneratedAttribute), false)).Cast<MethodBase>().Concat(type.GetConstructors(Members)))
        {
            if (method is MethodInfo m)
            {
                yield return m.ReturnType;
            }

            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }
        }
    }

    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType)
        {
            foreach (var inner in Unwrap(type.GetElementType()!))
            {
                yield return inner;
            }

            yield break;
        }

        if (type.IsGenericParameter)
        {
            yield break;
        }

        if (type.IsGenericType)
        {
            yield return type.GetGenericTypeDefinition();
            foreach (var argument in type.GetGenericArguments().SelectMany(Unwrap))
            {
                yield return argument;
            }

            yield break;
        }

        yield return type;
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in graph.GetValueOrDefault(node, []))
            {
                if (!index.TryGetValue(next, out var seen))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], seen);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string popped;
                do
                {
                    popped = stack.Pop();
                    onStack.Remove(popped);
                    component.Add(popped);
                }
                while (popped != node);
                components.Add(component);
            }
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal).ToList())
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return components;
    }

    private static string Describe(List<string> component, Dictionary<string, HashSet<string>> graph, Dictionary<(string, string), List<string>> why)
    {
        var members = component.ToHashSet(StringComparer.Ordinal);
        return string.Join(", ", component.Order(StringComparer.Ordinal).SelectMany(n => graph[n].Where(members.Contains).Order(StringComparer.Ordinal)
            .Select(to => $"{n} → {to} ({string.Join(" ", why[(n, to)].Distinct().Take(4))})")));
    }
}

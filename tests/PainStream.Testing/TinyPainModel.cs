// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PainStream.Testing;

/// <summary>
/// A tiny but real pain CNN for tests, written as an ONNX protobuf by hand (no Python, no ONNX tooling): a strided conv +
/// ReLU (the "last feature map"), global average pooling and a linear classifier, with the classifier weights exported as
/// an extra output for class activation maps, exactly the head the model contract describes. <see cref="Forward"/> is an
/// independent, hand-written forward pass to check ONNX Runtime and the scorer against.
/// </summary>
/// <remarks>
/// Graph: <c>input</c> [batch,3,S,S] → Conv(k×k, stride k) → Relu → <c>features</c> [batch,C,S/k,S/k] →
/// GlobalAveragePool → Flatten → Gemm(transB) → <c>logits</c> [batch,K]; Identity(fc.weight) → <c>cam_weights</c> [K,C];
/// with <see cref="Probabilities"/> a Softmax turns the logits into <c>probs</c>.
/// </remarks>
public sealed record TinyPainModel
{
    /// <summary>Gets the input side in pixels.</summary>
    public int Size { get; init; } = 112;

    /// <summary>Gets the number of feature channels.</summary>
    public int Channels { get; init; } = 4;

    /// <summary>Gets the conv kernel size and stride.</summary>
    public int Kernel { get; init; } = 8;

    /// <summary>Gets the number of classes (5: the da5 scheme).</summary>
    public int Classes { get; init; } = 5;

    /// <summary>Gets the seed of the weights.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>Gets a value indicating whether the batch axis is dynamic (the contract), or fixed at 1.</summary>
    public bool DynamicBatch { get; init; } = true;

    /// <summary>Gets a value indicating whether the graph ends in a Softmax (output <c>probs</c>).</summary>
    public bool Probabilities { get; init; }

    /// <summary>Gets a value indicating whether the <c>features</c> and <c>cam_weights</c> outputs exist.</summary>
    public bool WithCam { get; init; } = true;

    /// <summary>Gets the input's name.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>Gets the classifier output's name.</summary>
    public string OutputName => Probabilities ? "probs" : "logits";

    /// <summary>Gets the feature map side.</summary>
    public int FeatureSize => Size / Kernel;

    /// <summary>Gets the conv weights [C,3,k,k].</summary>
    public float[] ConvWeights => Weights(Channels * 3 * Kernel * Kernel, Seed, 0.08f);

    /// <summary>Gets the conv bias [C].</summary>
    public float[] ConvBias => Weights(Channels, Seed + 1, 0.2f);

    /// <summary>Gets the classifier weights [K,C].</summary>
    public float[] FcWeights => Weights(Classes * Channels, Seed + 2, 1.5f);

    /// <summary>Gets the classifier bias [K].</summary>
    public float[] FcBias => Weights(Classes, Seed + 3, 0.5f);

    /// <summary>The da5 classes of the contract (midpoints 0, 1, 2.5, 5, and 8.5 given as a value).</summary>
    public static JsonArray Da5Classes() =>
    [
        new JsonObject { ["label"] = "0", ["pspiMin"] = 0, ["pspiMax"] = 0 },
        new JsonObject { ["label"] = "1", ["pspiMin"] = 1, ["pspiMax"] = 1 },
        new JsonObject { ["label"] = "2-3", ["pspiMin"] = 2, ["pspiMax"] = 3 },
        new JsonObject { ["label"] = "4-6", ["pspiMin"] = 4, ["pspiMax"] = 6 },
        new JsonObject { ["label"] = "7-16", ["pspiMin"] = 7, ["pspiMax"] = 16, ["value"] = 8.5 },
    ];

    /// <summary>Writes <c>&lt;name&gt;.onnx</c> and its manifest into <paramref name="directory"/>.</summary>
    /// <param name="directory">The directory.</param>
    /// <param name="name">The file stem.</param>
    /// <param name="editManifest">Changes the manifest before it is written (for bad-manifest tests).</param>
    /// <returns>The .onnx file's path.</returns>
    public string Write(string directory, string name = "tiny", Action<JsonObject>? editManifest = null)
    {
        Directory.CreateDirectory(directory);
        var onnx = Path.Combine(directory, name + ".onnx");
        var bytes = Build();
        File.WriteAllBytes(onnx, bytes);
        var manifest = Manifest(name, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        editManifest?.Invoke(manifest);
        File.WriteAllText(Path.Combine(directory, name + ".manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return onnx;
    }

    /// <summary>The contract's manifest for this model.</summary>
    /// <param name="name">The model name.</param>
    /// <param name="sha256">The .onnx file's checksum.</param>
    /// <returns>The manifest.</returns>
    public JsonObject Manifest(string name, string sha256)
    {
        var manifest = new JsonObject
        {
            ["schema"] = 1,
            ["name"] = name,
            ["version"] = "1.0.0",
            ["sha256"] = sha256,
            ["architecture"] = "tiny-gap",
            ["task"] = "pain-classes",
            ["scheme"] = Classes == 5 ? "da5" : null,
            ["input"] = new JsonObject
            {
                ["name"] = InputName,
                ["layout"] = "NCHW",
                ["height"] = Size,
                ["width"] = Size,
                ["channels"] = 3,
                ["colorOrder"] = "RGB",
                ["scale"] = 255.0,
                ["mean"] = new JsonArray(0.5, 0.5, 0.5),
                ["std"] = new JsonArray(0.5, 0.5, 0.5),
                ["alignment"] = "painstream-112",
            },
            ["output"] = new JsonObject { ["name"] = OutputName, ["kind"] = Probabilities ? "probabilities" : "logits" },
            ["cam"] = WithCam ? new JsonObject { ["features"] = "features", ["weights"] = "cam_weights" } : null,
            ["classes"] = Classes == 5 ? Da5Classes() : GenericClasses(Classes),
            ["temperature"] = Probabilities ? 1.0 : 1.5,
            ["training"] = new JsonObject
            {
                ["data"] = "none: random weights for tests; not clinically validated",
                ["clinicallyValidated"] = false,
                ["seed"] = Seed,
            },
            ["metrics"] = new JsonObject { ["accuracy"] = 0.0, ["macro_f1"] = 0.0 },
        };
        return manifest;
    }

    /// <summary>The contract's tensor of a 112-pixel BGR24 crop, computed the slow, obvious way (the tiny model's normalisation by default).</summary>
    /// <param name="crop">The crop's bytes, BGR24, 112 × 112.</param>
    /// <param name="rgb">Whether the tensor's channels are in RGB order.</param>
    /// <param name="scale">The byte scale.</param>
    /// <param name="mean">The mean of every channel.</param>
    /// <param name="std">The standard deviation of every channel.</param>
    /// <returns>The tensor [3,112,112].</returns>
    public static float[] Tensor(byte[] crop, bool rgb = true, double scale = 255, double mean = 0.5, double std = 0.5)
    {
        ArgumentNullException.ThrowIfNull(crop);
        var tensor = new float[3 * 112 * 112];
        for (var c = 0; c < 3; c++)
        {
            var source = rgb ? 2 - c : c;
            for (var y = 0; y < 112; y++)
            {
                for (var x = 0; x < 112; x++)
                {
                    tensor[(c * 112 * 112) + (y * 112) + x] = (float)(((crop[(((y * 112) + x) * 3) + source] / scale) - mean) / std);
                }
            }
        }

        return tensor;
    }

    /// <summary>The expected score of a crop by the hand-written forward pass: softmax(logits / T), Σ p·value, max p.</summary>
    /// <param name="model">The model.</param>
    /// <param name="crop">The crop's bytes, BGR24, 112 × 112.</param>
    /// <param name="temperature">The temperature (ignored for a probabilities model).</param>
    /// <param name="values">Each class's PSPI value.</param>
    /// <returns>The expected PSPI, the confidence, the arg-max class, the feature map and every class probability.</returns>
    public static (double Pspi, double Confidence, int Class, double[] Features, double[] Probabilities) Expected(TinyPainModel model, byte[] crop, double temperature, double[] values)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(values);
        var outputs = model.Forward(Tensor(crop), out var features);
        double[] p;
        if (model.Probabilities)
        {
            p = outputs;
        }
        else
        {
            var max = outputs.Max(v => v / temperature);
            var e = outputs.Select(v => Math.Exp((v / temperature) - max)).ToArray();
            p = [.. e.Select(v => v / e.Sum())];
        }

        var best = Array.IndexOf(p, p.Max());
        return (p.Zip(values, (a, b) => a * b).Sum(), p.Max(), best, features, p);
    }

    /// <summary>The graph as ONNX protobuf bytes.</summary>
    /// <returns>The model file's content.</returns>
    public byte[] Build()
    {
        var c = Channels;
        var k = Kernel;
        var graph = new Proto();
        graph.Message(1, Node("conv", "Conv", ["input_t", "conv_w", "conv_b"], ["conv_out"], a => a.Ints("kernel_shape", k, k).Ints("strides", k, k)));
        graph.Message(1, Node("relu", "Relu", ["conv_out"], ["features"]));
        graph.Message(1, Node("gap", "GlobalAveragePool", ["features"], ["gap"]));
        graph.Message(1, Node("flat", "Flatten", ["gap"], ["flat"], a => a.Int("axis", 1)));
        graph.Message(1, Node("fc", "Gemm", ["flat", "fc_w", "fc_b"], ["logits"], a => a.Int("transB", 1)));
        if (Probabilities)
        {
            graph.Message(1, Node("softmax", "Softmax", ["logits"], ["probs"], a => a.Int("axis", 1)));
        }

        if (WithCam)
        {
            graph.Message(1, Node("cam", "Identity", ["fc_w"], ["cam_weights"]));
        }

        // The input is renamed through an Identity so tests can give it any name without touching the nodes above.
        graph.Message(1, Node("in", "Identity", [InputName], ["input_t"]));
        graph.String(2, "tiny_pain");
        graph.Message(5, Tensor("conv_w", [c, 3, k, k], ConvWeights));
        graph.Message(5, Tensor("conv_b", [c], ConvBias));
        graph.Message(5, Tensor("fc_w", [Classes, c], FcWeights));
        graph.Message(5, Tensor("fc_b", [Classes], FcBias));
        object batch = DynamicBatch ? "batch" : 1L;
        graph.Message(11, ValueInfo(InputName, batch, 3L, (long)Size, (long)Size));
        graph.Message(12, ValueInfo(OutputName, batch, (long)Classes));
        if (WithCam)
        {
            graph.Message(12, ValueInfo("features", batch, (long)c, (long)FeatureSize, (long)FeatureSize));
            graph.Message(12, ValueInfo("cam_weights", (long)Classes, (long)c));
        }

        var model = new Proto();
        model.Varint(1, 8); // ir_version
        model.String(2, "PainStream.Testing");
        model.Message(7, graph);
        model.Message(8, new Proto().String(1, string.Empty).Varint(2, 13)); // opset_import: default domain, opset 13
        return model.ToArray();
    }

    /// <summary>The hand-written forward pass of one face.</summary>
    /// <param name="input">The input tensor of one face, [3,S,S].</param>
    /// <param name="features">Receives the feature map [C,h,w].</param>
    /// <returns>The classifier outputs (logits, or probabilities with <see cref="Probabilities"/>).</returns>
    public double[] Forward(ReadOnlySpan<float> input, out double[] features)
    {
        var c = Channels;
        var k = Kernel;
        var f = FeatureSize;
        var s = Size;
        var w = ConvWeights;
        var b = ConvBias;
        features = new double[c * f * f];
        for (var o = 0; o < c; o++)
        {
            for (var y = 0; y < f; y++)
            {
                for (var x = 0; x < f; x++)
                {
                    double sum = b[o];
                    for (var i = 0; i < 3; i++)
                    {
                        for (var ky = 0; ky < k; ky++)
                        {
                            for (var kx = 0; kx < k; kx++)
                            {
                                sum += w[(((((o * 3) + i) * k) + ky) * k) + kx] * input[(((i * s) + (y * k) + ky) * s) + (x * k) + kx];
                            }
                        }
                    }

                    features[(((o * f) + y) * f) + x] = Math.Max(0, sum);
                }
            }
        }

        var fw = FcWeights;
        var fb = FcBias;
        var logits = new double[Classes];
        for (var j = 0; j < Classes; j++)
        {
            double sum = fb[j];
            for (var o = 0; o < c; o++)
            {
                double mean = 0;
                for (var p = 0; p < f * f; p++)
                {
                    mean += features[(o * f * f) + p];
                }

                sum += fw[(j * c) + o] * (mean / (f * f));
            }

            logits[j] = sum;
        }

        if (!Probabilities)
        {
            return logits;
        }

        var max = logits.Max();
        var exp = logits.Select(v => Math.Exp(v - max)).ToArray();
        var total = exp.Sum();
        return [.. exp.Select(v => v / total)];
    }

    private static JsonArray GenericClasses(int count)
    {
        var classes = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var lo = i * 16 / count;
            var hi = i == count - 1 ? 16 : ((i + 1) * 16 / count) - 1;
            classes.Add(new JsonObject { ["label"] = $"{lo}-{hi}", ["pspiMin"] = lo, ["pspiMax"] = hi });
        }

        return classes;
    }

    private static float[] Weights(int count, int seed, float scale)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }

    private static Proto Node(string name, string op, string[] inputs, string[] outputs, Func<Attributes, Attributes>? attributes = null)
    {
        var node = new Proto();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }

        foreach (var output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, name).String(4, op);
        if (attributes is not null)
        {
            foreach (var attribute in attributes(new Attributes()).Items)
            {
                node.Message(5, attribute);
            }
        }

        return node;
    }

    private static Proto Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new Proto();
        foreach (var d in dims)
        {
            tensor.Varint(1, d);
        }

        tensor.Varint(2, 1); // FLOAT
        tensor.String(8, name);
        var raw = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }

        return tensor.Bytes(9, raw);
    }

    private static Proto ValueInfo(string name, params object[] dims)
    {
        var shape = new Proto();
        foreach (var d in dims)
        {
            shape.Message(1, d is string param ? new Proto().String(2, param) : new Proto().Varint(1, (long)d));
        }

        var tensorType = new Proto().Varint(1, 1).Message(2, shape); // elem_type FLOAT, shape
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    /// <summary>A node's attributes (AttributeProto: name 1, i 3, ints 8, type 20).</summary>
    private sealed class Attributes
    {
        public List<Proto> Items { get; } = [];

        public Attributes Int(string name, long value)
        {
            Items.Add(new Proto().String(1, name).Varint(3, value).Varint(20, 2));
            return this;
        }

        public Attributes Ints(string name, params long[] values)
        {
            var attribute = new Proto().String(1, name);
            foreach (var v in values)
            {
                attribute.Varint(8, v);
            }

            Items.Add(attribute.Varint(20, 7));
            return this;
        }
    }

    /// <summary>A minimal protobuf writer: varints and length-delimited fields are all an ONNX model needs.</summary>
    private sealed class Proto
    {
        private readonly List<byte> _stream = [];

        public Proto Varint(int field, long value)
        {
            Key(field, 0);
            Raw((ulong)value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, byte[] value)
        {
            Key(field, 2);
            Raw((ulong)value.Length);
            _stream.AddRange(value);
            return this;
        }

        public byte[] ToArray() => _stream.ToArray();

        private void Key(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.Add((byte)(value | 0x80));
                value >>= 7;
            }

            _stream.Add((byte)value);
        }
    }
}

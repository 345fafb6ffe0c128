using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EvalTests.Onnx.Loading;

/// <summary>Which part of the KV cache a tensor holds.</summary>
internal enum KvKind
{
    Key,
    Value,

    /// <summary>Key and value stacked on a leading axis of size 2 (GPT-2 style <c>past_0</c>).</summary>
    Stacked,
}

/// <summary>One past/present KV tensor pair of the decoder.</summary>
internal sealed record KvSlot(string InputName, string OutputName, int Layer, KvKind Kind, TensorElementType ElementType, int Heads, int HeadSize)
{
    /// <summary>The shape of this slot for a batch and a past length.</summary>
    public long[] Shape(int batch, int length) => Kind == KvKind.Stacked
        ? [2, batch, Heads, length, HeadSize]
        : [batch, Heads, length, HeadSize];
}

/// <summary>
/// The decoder's inputs and outputs as the session metadata gives them: names, element types and KV layout.
/// Reading them, rather than assuming one export's layout, is what lets one code path run every model.
/// </summary>
internal sealed partial record DecoderSignature(
    string InputIds,
    TensorElementType InputIdsType,
    string? AttentionMask,
    TensorElementType AttentionMaskType,
    string? PositionIds,
    TensorElementType PositionIdsType,
    string Logits,
    TensorElementType LogitsType,
    int VocabSize,
    IReadOnlyList<KvSlot> Cache)
{
    public static DecoderSignature Read(InferenceSession session, ModelConfig config, string file)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        string Describe() =>
            $"inputs [{string.Join(", ", inputs.Select(i => $"{i.Key}:{i.Value.ElementDataType}[{string.Join(",", i.Value.Dimensions)}]"))}], " +
            $"outputs [{string.Join(", ", outputs.Select(o => $"{o.Key}:{o.Value.ElementDataType}[{string.Join(",", o.Value.Dimensions)}]"))}]";

        var ids = inputs.Keys.FirstOrDefault(k => k == "input_ids")
            ?? throw new ModelLoadException($"{file}: no 'input_ids' input; expected a causal decoder taking input_ids (int32/int64 [batch, seq]). The model has {Describe()}.");
        var mask = inputs.Keys.FirstOrDefault(k => k == "attention_mask");
        var positions = inputs.Keys.FirstOrDefault(k => k == "position_ids");
        var logits = outputs.Keys.FirstOrDefault(k => k == "logits")
            ?? throw new ModelLoadException($"{file}: no 'logits' output; expected logits [batch, seq, vocab]. The model has {Describe()}.");

        var cache = new List<KvSlot>();
        foreach (var (name, meta) in inputs.Where(i => i.Key.Contains("past", StringComparison.OrdinalIgnoreCase)))
        {
            var layerMatch = LayerNumber().Match(name);
            if (!layerMatch.Success)
            {
                throw new ModelLoadException($"{file}: cannot tell the layer of KV input '{name}'. The model has {Describe()}.");
            }

            var layer = int.Parse(layerMatch.Value, System.Globalization.CultureInfo.InvariantCulture);
            // The kind is named after the layer number ("past_key_values.0.value"): "past_key_values" itself says nothing.
            var kind = KindOf(name, layerMatch);
            var present = outputs.Keys.FirstOrDefault(o => o.Contains("present", StringComparison.OrdinalIgnoreCase) &&
                                                           LayerNumber().Match(o) is { Success: true } m && m.Value == layerMatch.Value &&
                                                           KindOf(o, m) == kind)
                ?? throw new ModelLoadException($"{file}: KV input '{name}' has no matching present output. The model has {Describe()}.");

            var dims = meta.Dimensions;
            var expectedRank = kind == KvKind.Stacked ? 5 : 4;
            if (dims.Length != expectedRank)
            {
                throw new ModelLoadException($"{file}: KV input '{name}' has rank {dims.Length}; expected {expectedRank} ([batch, heads, past, head_size]{(kind == KvKind.Stacked ? " behind a stacking axis of 2" : "")}).");
            }

            var heads = dims[^3] > 0 ? dims[^3] : config.KvHeads
                ?? throw new ModelLoadException($"{file}: KV input '{name}' has a symbolic head count and the config gives no num_key_value_heads.");
            var headSize = dims[^1] > 0 ? dims[^1] : config.HeadSize
                ?? throw new ModelLoadException($"{file}: KV input '{name}' has a symbolic head size and the config gives no head_dim.");
            if (meta.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16))
            {
                throw new ModelLoadException($"{file}: KV input '{name}' is {meta.ElementDataType}; expected float32 or float16.");
            }

            cache.Add(new KvSlot(name, present, layer, kind, meta.ElementDataType, heads, headSize));
        }

        var idsType = inputs[ids].ElementDataType;
        if (idsType is not (TensorElementType.Int64 or TensorElementType.Int32))
        {
            throw new ModelLoadException($"{file}: input_ids is {idsType}; expected int32 or int64.");
        }

        var logitsMeta = outputs[logits];
        if (logitsMeta.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16))
        {
            throw new ModelLoadException($"{file}: logits are {logitsMeta.ElementDataType}; expected float32 or float16.");
        }

        var vocab = logitsMeta.Dimensions.Length == 3 && logitsMeta.Dimensions[2] > 0 ? logitsMeta.Dimensions[2] : -1;
        return new DecoderSignature(
            ids, idsType,
            mask, mask is null ? TensorElementType.Int64 : inputs[mask].ElementDataType,
            positions, positions is null ? TensorElementType.Int64 : inputs[positions].ElementDataType,
            logits, logitsMeta.ElementDataType, vocab,
            cache.OrderBy(c => c.Layer).ThenBy(c => c.Kind).ToList());
    }

    private static KvKind KindOf(string name, Match layer)
    {
        var suffix = name[(layer.Index + layer.Length)..];
        return suffix.Contains("key", StringComparison.OrdinalIgnoreCase) ? KvKind.Key
            : suffix.Contains("value", StringComparison.OrdinalIgnoreCase) ? KvKind.Value
            : KvKind.Stacked;
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex LayerNumber();
}

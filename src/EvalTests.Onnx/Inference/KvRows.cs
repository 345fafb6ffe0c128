using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using EvalTests.Onnx.Loading;

namespace EvalTests.Onnx.Inference;

/// <summary>KV cache tensors: copying the start of a kept prefix's cache (any layout, fp32 or fp16), sizes, disposal.</summary>
internal static class KvRows
{
    public static void DisposeAll(IEnumerable<OrtValue>? values)
    {
        foreach (var value in values ?? [])
        {
            value.Dispose();
        }
    }

    public static long SizeInBytes(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return info.ElementCount * (info.ElementDataType == TensorElementType.Float16 ? 2 : 4);
    }

    /// <summary>
    /// A copy of the first <paramref name="count"/> positions of a kept prefix's KV cache (a batch of one, one tensor per
    /// slot of <paramref name="slots"/>), for any layout and element type: the part of it a later call shares.
    /// </summary>
    public static List<OrtValue> CopyFirst(IReadOnlyList<OrtValue> cache, IReadOnlyList<KvSlot> slots, int count) =>
        [.. cache.Select((value, i) => CopyFirst(value, slots[i], count))];

    private static OrtValue CopyFirst(OrtValue source, KvSlot slot, int count)
    {
        var sourceShape = source.GetTensorTypeAndShape().Shape;
        var outer = slot.Kind == KvKind.Stacked ? 2 : 1;
        var layout = new KvLayout(outer, (int)sourceShape[^3], (int)sourceShape[^2], (int)sourceShape[^1]);
        var shape = slot.Shape(1, count);
        if (slot.ElementType == TensorElementType.Float16)
        {
            var target = new Float16[outer * layout.Heads * count * layout.HeadSize];
            Copy(source.GetTensorDataAsSpan<Float16>(), target, count, layout);
            return OrtValue.CreateTensorValueFromMemory(target, shape);
        }
        else
        {
            var target = new float[outer * layout.Heads * count * layout.HeadSize];
            Copy(source.GetTensorDataAsSpan<float>(), target, count, layout);
            return OrtValue.CreateTensorValueFromMemory(target, shape);
        }
    }

    /// <summary>A batch-of-one KV tensor's shape: key and value stacked on a leading axis (2) or not (1), heads, positions, head size.</summary>
    private readonly record struct KvLayout(int Outer, int Heads, int Length, int HeadSize);

    private static void Copy<T>(ReadOnlySpan<T> source, Span<T> target, int count, KvLayout from)
    {
        var block = count * from.HeadSize;
        for (var o = 0; o < from.Outer; o++)
        {
            for (var h = 0; h < from.Heads; h++)
            {
                var sourceAt = ((o * from.Heads) + h) * from.Length * from.HeadSize;
                var targetAt = ((o * from.Heads) + h) * block;
                source.Slice(sourceAt, block).CopyTo(target.Slice(targetAt, block));
            }
        }
    }
}

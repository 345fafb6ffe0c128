using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using EvalTests.Onnx.Loading;

namespace EvalTests.Onnx.Inference;

/// <summary>KV cache tensors: copying batch rows out of a present value (any layout, fp32 or fp16), sizes, disposal.</summary>
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
    /// The first <paramref name="count"/> positions of batch rows of a KV tensor (row <c>rows[i]</c> becomes row i), for
    /// any layout and element type.
    /// </summary>
    public static OrtValue CopyRows(OrtValue source, KvSlot slot, int[] rows, int count)
    {
        var sourceShape = source.GetTensorTypeAndShape().Shape;
        var outer = slot.Kind == KvKind.Stacked ? 2 : 1;
        var layout = new KvLayout(outer, (int)sourceShape[slot.Kind == KvKind.Stacked ? 1 : 0], (int)sourceShape[^3], (int)sourceShape[^2], (int)sourceShape[^1]);
        var shape = slot.Shape(rows.Length, count);
        if (slot.ElementType == TensorElementType.Float16)
        {
            var target = new Float16[outer * rows.Length * layout.Heads * count * layout.HeadSize];
            Copy(source.GetTensorDataAsSpan<Float16>(), target, rows, count, layout);
            return OrtValue.CreateTensorValueFromMemory(target, shape);
        }
        else
        {
            var target = new float[outer * rows.Length * layout.Heads * count * layout.HeadSize];
            Copy(source.GetTensorDataAsSpan<float>(), target, rows, count, layout);
            return OrtValue.CreateTensorValueFromMemory(target, shape);
        }
    }

    private readonly record struct KvLayout(int Outer, int Batch, int Heads, int Length, int HeadSize);

    private static void Copy<T>(ReadOnlySpan<T> source, Span<T> target, int[] rows, int count, KvLayout from)
    {
        var block = count * from.HeadSize;
        for (var o = 0; o < from.Outer; o++)
        {
            for (var r = 0; r < rows.Length; r++)
            {
                for (var h = 0; h < from.Heads; h++)
                {
                    var sourceAt = ((((o * from.Batch) + rows[r]) * from.Heads) + h) * from.Length * from.HeadSize;
                    var targetAt = ((((o * rows.Length) + r) * from.Heads) + h) * block;
                    source.Slice(sourceAt, block).CopyTo(target.Slice(targetAt, block));
                }
            }
        }
    }
}

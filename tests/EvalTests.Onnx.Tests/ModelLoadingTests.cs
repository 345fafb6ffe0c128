using EvalTests.Onnx.Loading;
using EvalTests.TestSupport;
using Google.Protobuf;

namespace EvalTests.Onnx.Tests;

public sealed class ModelLoadingTests
{
    [Fact]
    public void MissingFolder_IsNamedInTheError()
    {
        var error = Assert.Throws<ModelLoadException>(() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = "/nonexistent/model" }));

        Assert.Contains("/nonexistent/model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithoutOnnxFile_ListsWhereItLooked()
    {
        using var folder = new TempDirectory();
        folder.Write("config.json", "{\"max_position_embeddings\": 16}");

        var error = Assert.Throws<ModelLoadException>(() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = folder.Path }));

        Assert.Contains("no ONNX file found", error.Message, StringComparison.Ordinal);
        Assert.Contains("onnx/model.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithoutConfig_SaysWhichConfigIsExpected()
    {
        using var folder = new TempDirectory();
        File.Copy(Path.Combine(SharedData.Model("stories260K"), "onnx", "model.onnx"), folder.Combine("model.onnx"));

        var error = Assert.Throws<ModelLoadException>(() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = folder.Path }));

        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("genai_config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGraphThatIsNoDecoder_IsRefusedWithWhatWasExpectedAndWhatItHas()
    {
        using var folder = new TempDirectory();
        File.WriteAllBytes(folder.Combine("model.onnx"), IdentityGraph());
        File.Copy(Path.Combine(SharedData.Model("stories260K"), "config.json"), folder.Combine("config.json"));

        var error = Assert.Throws<ModelLoadException>(() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = folder.Path }));

        Assert.Contains($"{folder.Combine("model.onnx")}: no 'input_ids' input; expected a causal decoder taking input_ids (int32/int64 [batch, seq])", error.Message, StringComparison.Ordinal);
        Assert.Contains("pixels", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A valid ONNX model that is not a decoder: y = Identity(pixels), float [1, 3], written field by field.</summary>
    private static byte[] IdentityGraph()
    {
        static byte[] Message(Action<CodedOutputStream> write)
        {
            using var buffer = new MemoryStream();
            var output = new CodedOutputStream(buffer);
            write(output);
            output.Flush();
            return buffer.ToArray();
        }

        static void Field(CodedOutputStream output, int number, byte[] message)
        {
            output.WriteTag(number, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(message));
        }

        static byte[] ValueInfo(string name) => Message(v =>
        {
            v.WriteTag(1, WireFormat.WireType.LengthDelimited);
            v.WriteString(name);
            var shape = Message(sh =>
            {
                Field(sh, 1, Message(d => { d.WriteTag(1, WireFormat.WireType.Varint); d.WriteInt64(1); }));
                Field(sh, 1, Message(d => { d.WriteTag(1, WireFormat.WireType.Varint); d.WriteInt64(3); }));
            });
            var tensor = Message(t =>
            {
                t.WriteTag(1, WireFormat.WireType.Varint);
                t.WriteInt32(1); // FLOAT
                Field(t, 2, shape);
            });
            Field(v, 2, Message(type => Field(type, 1, tensor)));
        });

        var node = Message(n =>
        {
            n.WriteTag(1, WireFormat.WireType.LengthDelimited);
            n.WriteString("pixels");
            n.WriteTag(2, WireFormat.WireType.LengthDelimited);
            n.WriteString("y");
            n.WriteTag(4, WireFormat.WireType.LengthDelimited);
            n.WriteString("Identity");
        });
        var graph = Message(g =>
        {
            Field(g, 1, node);
            g.WriteTag(2, WireFormat.WireType.LengthDelimited);
            g.WriteString("not-a-decoder");
            Field(g, 11, ValueInfo("pixels"));
            Field(g, 12, ValueInfo("y"));
        });
        return Message(m =>
        {
            m.WriteTag(1, WireFormat.WireType.Varint);
            m.WriteInt64(8); // ir_version
            Field(m, 7, graph);
            Field(m, 8, Message(o => { o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt64(13); })); // opset 13
        });
    }

    [Fact]
    public void FolderWithoutTokenizer_SaysHowToBorrowOne()
    {
        var error = Assert.Throws<ModelLoadException>(() => OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("tiny-qwen35-cuda") }));

        Assert.Contains("no tokenizer found", error.Message, StringComparison.Ordinal);
        Assert.Contains("--tokenizer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CudaRequestOnTheCpuPackage_FallsBackToCpuAndSaysWhy()
    {
        await using var model = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K"), Provider = ExecutionProviderPreference.Cuda });

        Assert.StartsWith("ONNX Runtime: CPUExecutionProvider (CUDA requested, but", model.ProviderDescription, StringComparison.Ordinal);
    }
}

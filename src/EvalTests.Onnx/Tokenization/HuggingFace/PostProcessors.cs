namespace EvalTests.Onnx.Tokenization.HuggingFace;

/// <summary>A tokenizer.json <c>post_processor</c>: what <c>add_special_tokens</c> adds around a single sequence.</summary>
internal interface IPostProcessor
{
    IReadOnlyList<int> Process(IReadOnlyList<int> ids);
}

/// <summary>One piece of a TemplateProcessing <c>single</c> template: the sequence, or a special token's ids.</summary>
internal sealed record TemplatePiece(IReadOnlyList<int>? SpecialIds);

/// <summary>TemplateProcessing: the <c>single</c> template, e.g. Llama 3's <c>&lt;|begin_of_text|&gt; $A</c>.</summary>
internal sealed record TemplateProcessor(IReadOnlyList<TemplatePiece> Single) : IPostProcessor
{
    public IReadOnlyList<int> Process(IReadOnlyList<int> ids) =>
        [.. Single.SelectMany(piece => piece.SpecialIds ?? ids)];
}

/// <summary>RobertaProcessing and BertProcessing: <c>cls</c>, the sequence, <c>sep</c>.</summary>
internal sealed record SurroundingProcessor(int ClassId, int SeparatorId) : IPostProcessor
{
    public IReadOnlyList<int> Process(IReadOnlyList<int> ids) => [ClassId, .. ids, SeparatorId];
}

/// <summary>ByteLevel as a post-processor only trims offsets: the ids stay as they are.</summary>
internal sealed record IdentityProcessor : IPostProcessor
{
    public IReadOnlyList<int> Process(IReadOnlyList<int> ids) => ids;
}

internal sealed record SequenceProcessor(IReadOnlyList<IPostProcessor> Processors) : IPostProcessor
{
    public IReadOnlyList<int> Process(IReadOnlyList<int> ids) => Processors.Aggregate(ids, (current, processor) => processor.Process(current));
}

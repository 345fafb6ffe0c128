using EvalTests.Models;
using EvalTests.Onnx.Loading;
using EvalTests.Prompts;
using EvalTests.TestSupport;

namespace EvalTests.Onnx.Tests;

/// <summary>Scoring options that share a prompt encodes the prompt once; the numbers must not move.</summary>
public sealed class PrefixSharingTests
{
    public static TheoryData<string> Models => ["stories260K", "tiny-random-gpt2-fp32", "tiny-qwen35-cuda"];

    private static OnnxLanguageModel Load(string name) => OnnxLanguageModel.Load(new OnnxModelOptions
    {
        ModelFolder = SharedData.Model(name),
        TokenizerFolder = name == "stories260K" ? null : Path.Combine(SharedData.Model("tiny-random-gpt2-fp32"), "vocab1000"),
        Provider = ExecutionProviderPreference.Cpu,
    });

    /// <summary>Asserts a result equals the sequence's log-probabilities from one plain pass over it alone.</summary>
    private static void AssertScoresAsAlone(OnnxLanguageModel model, LogLikelihoodRequest request, LogLikelihoodResult result)
    {
        // fp32 graphs agree to 1e-4; an fp16 graph's logits are quantized near 4e-3, so batch shape moves them that much.
        var tolerance = model.Decoder.Signature.LogitsType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16 ? 5e-3 : 1e-4;
        var alone = model.Decoder.TokenLogProbs([model.Encode(request.Prompt.ToPlainText()).ToList()], TestContext.Current.CancellationToken)[0];
        Assert.Equal(alone.Length, result.TokenLogProbs.Count);
        for (var t = 0; t < alone.Length; t++)
        {
            Assert.Equal(alone[t], result.TokenLogProbs[t], tolerance);
        }
    }

    [Fact]
    public async Task SharingSwitchedOff_ScoresEverySequenceInFull_WithTheSameResults()
    {
        var options = new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K"), Provider = ExecutionProviderPreference.Cpu };
        await using var sharing = OnnxLanguageModel.Load(options);
        await using var plain = OnnxLanguageModel.Load(options with { SharePrefixes = false });
        var requests = new[] { "A", "B", "C" }
            .Select(l => new LogLikelihoodRequest(new Prompt([new(TurnRole.Human, "Lily had a red ball and a blue kite. Which toy was red? Pick one."), new(TurnRole.Bot, l)])))
            .ToList();
        var ct = TestContext.Current.CancellationToken;

        var shared = await sharing.LogLikelihoodAsync(requests, ct);
        var full = await plain.LogLikelihoodAsync(requests, ct);

        Assert.False(plain.SharesPrefixes);
        for (var i = 0; i < requests.Count; i++)
        {
            Assert.Equal(full[i].Ppl, shared[i].Ppl, 1e-5);
        }
    }

    [Fact]
    public async Task GroupedQueryAttentionGraph_SharesPrefixesOneRowPerPass_WithThePlainResults()
    {
        await using var model = Load("tiny-qwen35-cuda");
        await using var plain = OnnxLanguageModel.Load(new OnnxModelOptions
        {
            ModelFolder = SharedData.Model("tiny-qwen35-cuda"),
            TokenizerFolder = Path.Combine(SharedData.Model("tiny-random-gpt2-fp32"), "vocab1000"),
            Provider = ExecutionProviderPreference.Cpu,
            SharePrefixes = false,
        });
        var prompt = "a prompt long enough to be worth sharing between the options of one question";
        var requests = new[] { "the first option", "the second one" }.Select(l => new LogLikelihoodRequest(new Prompt([new(TurnRole.Human, prompt), new(TurnRole.Bot, l)]))).ToList();
        var settings = new GenerationSettings(4, []);
        GenerationRequest[] prompts = [new(new Prompt([new(TurnRole.Human, prompt + " and a first end")]), settings), new(new Prompt([new(TurnRole.Human, prompt + " then another")]), settings)];
        var ct = TestContext.Current.CancellationToken;

        // GroupQueryAttention on CPU refuses a multi-token batch of several rows on a past; one row per pass it accepts.
        var results = await model.LogLikelihoodAsync(requests, ct);
        var generated = await model.GenerateAsync(prompts, ct);

        Assert.True(model.SharesPrefixes);
        foreach (var (request, result) in requests.Zip(results))
        {
            AssertScoresAsAlone(model, request, result);
        }

        Assert.Equal((await plain.GenerateAsync(prompts, ct)).Select(g => g.Text), generated.Select(g => g.Text));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task SharedPrefixScoring_EqualsScoringEachSequenceAlone(string name)
    {
        await using var model = Load(name);
        var question = "Lily and Tom went to the park. They saw a big dog and a small cat. Which animal was big? Options follow.";
        var other = "Once upon a time, there was a little bird who lived in a tall tree near the river bank.";
        var requests = new[] { "A", "B", "C", "D" }.Select(label => new LogLikelihoodRequest(new Prompt([new(TurnRole.Human, question), new(TurnRole.Bot, label)])))
            .Append(new LogLikelihoodRequest(new Prompt([new(TurnRole.Human, other), new(TurnRole.Bot, "yes")])))
            .Append(new LogLikelihoodRequest(new Prompt([new(TurnRole.Human, other), new(TurnRole.Bot, "no, it did not")])))
            .ToList();
        var ct = TestContext.Current.CancellationToken;

        var batched = await model.LogLikelihoodAsync(requests, ct);

        for (var i = 0; i < requests.Count; i++)
        {
            AssertScoresAsAlone(model, requests[i], batched[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task AFewShotPrefixKeptFromAnEarlierCall_IsNotRunAgain_AndScoresAsIfRunInFull(string name)
    {
        await using var model = Load(name);
        var shots = "Once upon a time, there was a little bird who lived in a tall tree. Which was tall? The tree.\n" +
                    "Tom had a red ball and a blue kite. Which toy was red? The ball.\n";
        LogLikelihoodRequest Option(string question, string label) => new(new Prompt([new(TurnRole.Human, shots + question), new(TurnRole.Bot, label)]));
        List<LogLikelihoodRequest> Question(string question) => new[] { "A", "B", "C" }.Select(l => Option(question, l)).ToList();
        var ct = TestContext.Current.CancellationToken;

        // The first call holds two questions, so their shared shots are a prefix across questions and are kept.
        var first = await model.LogLikelihoodAsync([.. Question("Lily saw a big dog and a small cat. Which was big?"), .. Question("Sam ate an apple and a pear. Which was green?")], ct);
        var tokensBefore = model.Decoder.TokensRun;
        var laterQuestion = Question("The sun was hot and the snow was cold. Which was cold?");
        var later = await model.LogLikelihoodAsync(laterQuestion, ct);
        var tokensRun = model.Decoder.TokensRun - tokensBefore;

        Assert.True(model.SharesPrefixes);
        var shotTokens = model.Encode(shots).Count;
        var fullTokens = model.Encode(laterQuestion[0].Prompt.ToPlainText()).Count;
        Assert.True(model.Decoder.Prefixes.Hits >= 3, "the later question's options start from the kept shots");
        Assert.True(tokensRun < fullTokens - shotTokens + 16, $"ran {tokensRun} token positions; the options alone hold {fullTokens - shotTokens} tokens past the shots");
        foreach (var (request, result) in laterQuestion.Zip(later).Concat(Question("Lily saw a big dog and a small cat. Which was big?").Zip(first.Take(3))))
        {
            AssertScoresAsAlone(model, request, result);
        }
    }

    [Fact]
    public async Task APrefixKeptDuringACall_DoesNotEvictOneALaterGroupOfTheSameCallStartsFrom()
    {
        await using var model = Load("stories260K");
        var first = "Once upon a time, there was a little bird who lived in a tall tree near the river.\n";
        var second = "Tom had a red ball and a blue kite, and he played with them every day in the park.\n";
        LogLikelihoodRequest Ask(string prompt, string label) => new(new Prompt([new(TurnRole.Human, prompt), new(TurnRole.Bot, label)]));
        var ct = TestContext.Current.CancellationToken;
        await model.LogLikelihoodAsync(
            [Ask(first + second + "Which was tall?", "A"), Ask(first + second + "Which was tall?", "B"), Ask(first + second + "Name the toys.", "A"), Ask(first + second + "Name the toys.", "B")], ct);
        Assert.Equal([model.Encode(first + second).Count], model.Decoder.Prefixes.Lengths);

        // Two questions extend the kept shots by a long shared stem (a new, longer prefix that replaces the kept one),
        // and one shares only the first shot with it: it starts from the kept prefix in a later group of the same call.
        var stem = "Lily and her little brother went to the big green park to play on a sunny day. ";
        var requests = new[]
        {
            Ask(first + second + stem + "Who went?", "A"), Ask(first + second + stem + "Who went?", "B"),
            Ask(first + second + stem + "Where did they go?", "A"), Ask(first + second + stem + "Where did they go?", "B"),
            Ask(first + "Sam ate an apple. Which fruit was red?", "C"),
        };
        var results = await model.LogLikelihoodAsync(requests, ct);

        Assert.Equal(5, model.Decoder.Prefixes.Hits);
        foreach (var (request, result) in requests.Zip(results))
        {
            AssertScoresAsAlone(model, request, result);
        }
    }

    [Fact]
    public async Task ThePartOfAKeptPrefixALaterCallShares_IsKeptOnItsOwn_SoTheCallAfterStartsOnItWhole()
    {
        await using var model = Load("stories260K");
        var shots = "Once upon a time, there was a little bird who lived in a tall tree. Which was tall? The tree.\n";
        LogLikelihoodRequest Option(string question, string label) => new(new Prompt([new(TurnRole.Human, shots + question), new(TurnRole.Bot, label)]));
        List<LogLikelihoodRequest> Question(string question) => new[] { "A", "B", "C" }.Select(l => Option(question, l)).ToList();
        var ct = TestContext.Current.CancellationToken;
        // The first call's questions share the shots and a few words more: that longer prefix is what it keeps.
        await model.LogLikelihoodAsync([.. Question("Lily saw a big dog and a small cat. Which was big?"), .. Question("Lily saw a red hat and a blue cap. Which was red?")], ct);
        var shotTokens = model.Encode(shots).Count;
        Assert.True(model.Decoder.Prefixes.Lengths.Single() > shotTokens);

        // The next call shares only the shots with it: they are completed (copied, their last token run again) and kept.
        var second = Question("The sun was hot and the snow was cold. Which was cold?");
        var secondResults = await model.LogLikelihoodAsync(second, ct);
        Assert.Contains(shotTokens, model.Decoder.Prefixes.Lengths);

        // The call after starts on the kept shots whole: it runs its question once and each option's tail, nothing more.
        var third = Question("A fox ran fast and a snail went slow. Which was slow?");
        var before = model.Decoder.TokensRun;
        var thirdResults = await model.LogLikelihoodAsync(third, ct);

        var options = third.Select(o => model.Encode(o.Prompt.ToPlainText())).ToList();
        var questionEnd = Enumerable.Range(0, options.Min(o => o.Count)).First(t => options.Any(o => o[t] != options[0][t]));
        Assert.Equal((questionEnd - shotTokens) + options.Sum(o => o.Count - questionEnd), model.Decoder.TokensRun - before);
        foreach (var (request, result) in second.Zip(secondResults).Concat(third.Zip(thirdResults)))
        {
            AssertScoresAsAlone(model, request, result);
        }
    }

    [Theory]
    [InlineData("stories260K")]
    [InlineData("tiny-qwen35-cuda")]
    public async Task PromptsSharingAFewShotPrefix_RunItOnce_AndGenerateWhatEachGeneratesAlone(string name)
    {
        await using var model = Load(name);
        var shots = "Once upon a time, there was a little bird who lived in a tall tree. Tom had a red ball and a blue kite.\n";
        var requests = new[] { "Lily went to the park and", "One day, a big dog", "The cat was" }
            .Select(q => new GenerationRequest(new Prompt([new(TurnRole.Human, shots + q)]), new GenerationSettings(12, [])))
            .ToList();
        var ct = TestContext.Current.CancellationToken;

        var before = model.Decoder.TokensRun;
        var batched = await model.GenerateAsync(requests, ct);
        var tokensRun = model.Decoder.TokensRun - before;

        Assert.True(model.SharesPrefixes);
        // Run three times, the shared tokens alone would take 3 × their count; once, the prompts' ends and 12 steps fit below.
        Assert.True(tokensRun < 3 * model.Encode(shots).Count, $"ran {tokensRun} token positions for three prompts that share {model.Encode(shots).Count} tokens");
        for (var i = 0; i < requests.Count; i++)
        {
            var alone = await model.GenerateAsync([requests[i]], ct);
            Assert.Equal(alone[0].Text, batched[i].Text);
        }
    }

    [Fact]
    public async Task PromptsOfTwoSubjectsInOneBatch_RunEachSubjectsShotsOnce_AndGenerateWhatEachGeneratesAlone()
    {
        await using var model = Load("stories260K");
        await using var plain = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K"), Provider = ExecutionProviderPreference.Cpu, SharePrefixes = false });
        var birds = "Once upon a time, there was a little bird who lived in a tall tree near the river.\n";
        var toys = "Tom had a red ball and a blue kite, and he played with them every day in the park.\n";
        var requests = new[] { birds + "The bird sang", birds + "One day the bird", toys + "Tom threw the ball", toys + "The kite flew" }
            .Select(q => new GenerationRequest(new Prompt([new(TurnRole.Human, q)]), new GenerationSettings(12, [])))
            .ToList();
        var ct = TestContext.Current.CancellationToken;

        var before = model.Decoder.TokensRun;
        var batched = await model.GenerateAsync(requests, ct);
        var tokensRun = model.Decoder.TokensRun - before;

        // Each subject's shots once, each prompt's own words once, then at most 12 steps per prompt.
        var prompts = requests.Select(r => model.Encode(r.Prompt.ToPlainText())).ToList();
        var ownTokens = prompts.Sum(p => p.Count) - (2 * model.Encode(birds).Count) - (2 * model.Encode(toys).Count);
        var atMost = model.Encode(birds).Count + model.Encode(toys).Count + ownTokens + (4 * 12);
        Assert.True(tokensRun <= atMost, $"ran {tokensRun} token positions; the shots once, the prompts' own words and their answers fit in {atMost}");
        Assert.Equal((await plain.GenerateAsync(requests, ct)).Select(r => r.Text), batched.Select(r => r.Text));
    }

    [Fact]
    public async Task AFewShotPrefixKeptFromAnEarlierGeneration_IsNotRunAgain_AndGeneratesWhatAPlainPassGenerates()
    {
        await using var model = Load("stories260K");
        await using var plain = OnnxLanguageModel.Load(new OnnxModelOptions { ModelFolder = SharedData.Model("stories260K"), Provider = ExecutionProviderPreference.Cpu, SharePrefixes = false });
        var shots = "Once upon a time, there was a little bird who lived in a tall tree. Tom had a red ball and a blue kite.\n";
        GenerationRequest Ask(string question) => new(new Prompt([new(TurnRole.Human, shots + question)]), new GenerationSettings(12, []));
        var ct = TestContext.Current.CancellationToken;

        // One question at a time, as batches of one (or a subject's questions spread over batches): the first keeps its
        // prompt, the later ones start from the shots in it and run only their own question.
        var first = await model.GenerateAsync([Ask("Lily went to the park and")], ct);
        var before = model.Decoder.TokensRun;
        var later = await model.GenerateAsync([Ask("One day, a big dog"), Ask("The cat was")], ct);
        var tokensRun = model.Decoder.TokensRun - before;

        Assert.True(model.Decoder.Prefixes.Hits >= 1, "the later batch starts from the kept shots");
        Assert.True(tokensRun < model.Encode(shots).Count, $"ran {tokensRun} token positions; the shots alone hold {model.Encode(shots).Count}");
        var expected = await plain.GenerateAsync([Ask("Lily went to the park and"), Ask("One day, a big dog"), Ask("The cat was")], ct);
        Assert.Equal(expected.Select(r => r.Text), first.Concat(later).Select(r => r.Text));
        Assert.All(expected, r => Assert.NotEmpty(r.Text));
    }

    [Fact]
    public async Task APrefixKeptByGeneration_NeverStandsInForTheLogProbabilitiesScoringNeeds()
    {
        await using var model = Load("stories260K");
        var prompt = "Once upon a time, there was a little bird who lived in a tall tree. Which was tall?";
        var ct = TestContext.Current.CancellationToken;
        await model.GenerateAsync([new GenerationRequest(new Prompt([new(TurnRole.Human, prompt)]), new GenerationSettings(4, []))], ct);
        var hits = model.Decoder.Prefixes.Hits;

        var options = new[] { "A", "B" }.Select(l => new LogLikelihoodRequest(new Prompt([new(TurnRole.Human, prompt), new(TurnRole.Bot, l)]))).ToList();
        var scored = await model.LogLikelihoodAsync(options, ct);

        Assert.Equal(hits, model.Decoder.Prefixes.Hits);
        foreach (var (request, result) in options.Zip(scored))
        {
            AssertScoresAsAlone(model, request, result);
        }
    }

    [Fact]
    public async Task Work_CountsThePositionsRun_AgainstEveryRequestRunAloneInFull()
    {
        await using var model = Load("stories260K");
        var question = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. Which toy did she like?";
        LogLikelihoodRequest[] options = [.. new[] { "A ball", "A doll", "A kite", "A boat" }.Select(o => new LogLikelihoodRequest(new Prompt([new(TurnRole.Human, question), new(TurnRole.Bot, o)])))];

        await model.LogLikelihoodAsync(options, TestContext.Current.CancellationToken);

        var naive = options.Sum(o => (long)model.Encode(o.Prompt.ToPlainText()).Count);
        Assert.Equal(naive, model.Work.NaivePositions);
        Assert.Equal(model.Decoder.TokensRun, model.Work.PositionsRun);
        Assert.True(model.Work.PositionsRun < naive / 2, $"{model.Work}: the question is run once, not four times");
    }
}

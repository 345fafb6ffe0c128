using EvalTests.Models;

namespace EvalTests.Onnx.Inference;

/// <summary>
/// Chooses a row's next token: the arg-max (greedy), or a draw from the logits warped as Hugging Face's
/// <c>LogitsProcessor</c>s do — temperature, then top-k, then top-p — with the row's own seeded random source, so a
/// request draws the same tokens whatever else shares its batch.
/// </summary>
internal sealed class TokenSampler
{
    private readonly SamplingSettings? _settings;
    private readonly Random? _random;

    public TokenSampler(SamplingSettings? settings)
    {
        _settings = settings is { Temperature: > 0 } ? settings : null;
        _random = _settings is null ? null : new Random(unchecked((int)(_settings.Seed ?? Random.Shared.NextInt64())));
    }

    public static TokenSampler Greedy { get; } = new(null);

    public int Choose(StepOutputs step, int row, int position, int seq)
    {
        if (_settings is null)
        {
            return step.ArgMax(row, position, seq);
        }

        var logits = step.PositionLogits(row, position, seq);
        return Draw(logits, _settings, _random!);
    }

    /// <summary>A token drawn from warped logits (exposed for specs of the warping).</summary>
    internal static int Draw(float[] logits, SamplingSettings settings, Random random)
    {
        // Candidates in descending logit order; ties keep the lower id first, as a stable sort does.
        var order = Enumerable.Range(0, logits.Length).Where(i => !float.IsNegativeInfinity(logits[i])).OrderByDescending(i => logits[i]).ToArray();
        if (settings.TopK > 0 && settings.TopK < order.Length)
        {
            order = order[..settings.TopK];
        }

        var max = logits[order[0]];
        var weights = order.Select(i => Math.Exp((logits[i] - max) / settings.Temperature)).ToArray();
        var sum = weights.Sum();
        if (settings.TopP < 1)
        {
            // The smallest prefix whose probability reaches top_p (at least one token).
            var kept = 0;
            var mass = 0.0;
            while (kept < weights.Length && (kept == 0 || mass < settings.TopP * sum))
            {
                mass += weights[kept++];
            }

            order = order[..kept];
            weights = weights[..kept];
            sum = mass;
        }

        var target = random.NextDouble() * sum;
        for (var i = 0; i < order.Length; i++)
        {
            target -= weights[i];
            if (target < 0)
            {
                return order[i];
            }
        }

        return order[^1];
    }
}

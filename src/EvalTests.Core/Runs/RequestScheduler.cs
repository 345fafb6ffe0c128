using System.Text.Json.Nodes;
using EvalTests.Datasets;
using EvalTests.Models;

namespace EvalTests.Runs;

/// <summary>
/// Sends requests to a model: identical ones asked once, batched longest first with a question's requests kept
/// together (by count, or by a token budget), sized by the model itself under <c>--batch-size auto</c>; every answer
/// goes to each copy of its request and, when good, into the checkpoint, and the answered tasks are reported.
/// </summary>
/// <param name="settings">The batch size, token budget and auto sizing.</param>
/// <param name="answered">Called after each batch with the tasks it answered (progress, and finishing complete tasks).</param>
internal sealed class RequestScheduler(RunSettings settings, Func<IEnumerable<PreparedTask>, CancellationToken, Task> answered)
{
    private readonly Dictionary<RequestKind, int> _measuredBatchSizes = [];

    /// <summary>The batch sizes measured under auto sizing.</summary>
    public IReadOnlyDictionary<RequestKind, int> MeasuredBatchSizes => _measuredBatchSizes;

    /// <summary>Asks the model for the requests in batches; returns how many were sent (copies of one request count once).</summary>
    public async Task<int> DispatchAsync(ILanguageModel model, IReadOnlyList<PendingRequest> requests, JsonLineStore checkpoint, CancellationToken cancellationToken)
    {
        // Identical requests (a question repeated in a subset, or the same prompt in two configs) are asked once.
        var copies = requests.ToLookup(r => r.Key);
        var distinct = requests.DistinctBy(r => r.Key).ToList();
        foreach (var batch in Batches(distinct, BatchSizeFor(model, distinct, cancellationToken)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (batch[0] is PendingGeneration)
            {
                var outputs = await GenerateAsync(model, batch.Cast<PendingGeneration>().ToList(), cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < batch.Length; i++)
                {
                    var output = outputs[i];
                    Deliver(batch[i], request => ((PendingGeneration)request).Complete(output), output.Error is null ? ResultJson.From(output) : null);
                }
            }
            else
            {
                var outputs = await ScoreAsync(model, batch.Cast<PendingScoring>().ToList(), cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < batch.Length; i++)
                {
                    var output = outputs[i];
                    Deliver(batch[i], request => ((PendingScoring)request).Complete(output), output.Error is null ? ResultJson.From(output) : null);
                }
            }

            await answered(batch.SelectMany(r => copies[r.Key]).Select(r => r.Owner).Distinct(), cancellationToken).ConfigureAwait(false);
        }

        return distinct.Count;

        // An answer goes to every copy of its request; a good one is checkpointed (once, under the shared key).
        void Deliver(PendingRequest asked, Action<PendingRequest> complete, JsonObject? stored)
        {
            foreach (var request in copies[asked.Key])
            {
                complete(request);
            }

            if (stored is not null)
            {
                checkpoint.Add(asked.Key, stored);
            }
        }
    }

    /// <summary>
    /// The configured batch size, or under <see cref="RunSettings.AutoBatchSize"/> the largest that <paramref name="model"/>
    /// (the evaluated one, or a local judge) measures for the longest request.
    /// </summary>
    private int BatchSizeFor(ILanguageModel model, List<PendingRequest> requests, CancellationToken cancellationToken)
    {
        if (!settings.AutoBatchSize || requests.Count == 0 || model is not IBatchCapacity capacity)
        {
            return settings.BatchSize;
        }

        var counter = model.TokenCounter;
        var longest = requests.Max(r => counter?.CountTokens(r.Prompt) ?? r.Length);
        var newTokens = requests.Max(r => (r as PendingGeneration)?.Request.Settings.MaxOutputTokens ?? 0);
        var size = Math.Max(1, capacity.LargestBatch(longest, newTokens, requests.Count, cancellationToken));
        _measuredBatchSizes[requests[0].IsJudgement ? RequestKind.Judge : requests[0] is PendingGeneration ? RequestKind.Gen : RequestKind.Ppl] = size;
        return size;
    }

    /// <summary>A batch's generations; a batch the model fails is an errored answer for each of its requests.</summary>
    private static async Task<IReadOnlyList<GenerationResult>> GenerateAsync(ILanguageModel model, List<PendingGeneration> batch, CancellationToken cancellationToken)
    {
        try
        {
            return await model.GenerateAsync(batch.Select(r => r.Request).ToList(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return batch.Select(_ => new GenerationResult(string.Empty, 0, 0, ex.Message)).ToList();
        }
    }

    /// <summary>A batch's log-likelihoods; a batch the model fails is an errored score for each of its requests.</summary>
    private static async Task<IReadOnlyList<LogLikelihoodResult>> ScoreAsync(ILanguageModel model, List<PendingScoring> batch, CancellationToken cancellationToken)
    {
        try
        {
            return await model.LogLikelihoodAsync(batch.Select(r => r.Request).ToList(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return batch.Select(_ => new LogLikelihoodResult([], 0, ex.Message)).ToList();
        }
    }

    /// <summary>
    /// Longest first (the slowest batches run while the ETA is still rough, and similar lengths share a batch), with
    /// the requests of one question kept in one batch so a backend can encode their shared prompt once; a batch is full
    /// at <paramref name="batchSize"/> requests, or with a token budget when its rows × longest request would
    /// pass the budget.
    /// </summary>
    private IEnumerable<PendingRequest[]> Batches(List<PendingRequest> requests, int batchSize)
    {
        var questions = requests
            .GroupBy(r => (r.Owner, r.Sample))
            .OrderByDescending(q => q.Max(r => r.Length))
            .ThenBy(q => q.Key.Owner.Task.Abbr, StringComparer.Ordinal)
            .ThenBy(q => q.Key.Sample);
        var batch = new List<PendingRequest>(batchSize);
        var longest = 0;
        foreach (var question in questions)
        {
            var members = question.ToList();
            var rows = batch.Count + members.Count;
            // Questions come longest first, so the first question of a batch sets its padded length.
            var full = settings.BatchTokens is { } budget ? rows * (long)longest > budget : rows > batchSize;
            if (batch.Count > 0 && full)
            {
                yield return batch.ToArray();
                batch.Clear();
            }

            if (batch.Count == 0)
            {
                longest = members.Max(r => r.Length);
            }

            batch.AddRange(members);
        }

        if (batch.Count > 0)
        {
            yield return batch.ToArray();
        }
    }
}

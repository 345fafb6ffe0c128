using System.Threading.Channels;
using EvalTests.Models;

namespace EvalTests.Server.Batching;

/// <summary>What the batcher has run so far: how many model calls and how many requests they carried.</summary>
/// <param name="Batches">Model calls.</param>
/// <param name="Requests">Requests answered.</param>
/// <param name="LargestBatch">The most requests in one call.</param>
public sealed record BatchingStatistics(long Batches, long Requests, int LargestBatch);

/// <summary>
/// Dynamic batching: requests from concurrent HTTP calls queue here, and one loop hands the model everything that has
/// arrived (up to a batch size) in one call. While the model works on a batch, the next one fills up.
/// </summary>
internal sealed class RequestBatcher : IAsyncDisposable
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILanguageModel _model;
    private readonly ITextCompletionModel? _textModel;
    private readonly int _maxBatch;
    private readonly TimeSpan _window;
    private readonly Task _loop;
    private readonly Lock _statsLock = new();
    private BatchingStatistics _statistics = new(0, 0, 0);

    public RequestBatcher(ILanguageModel model, int maxBatch, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _model = model;
        _textModel = model as ITextCompletionModel;
        _maxBatch = maxBatch;
        _window = window;
        _loop = Task.Run(RunAsync);
    }

    public bool ServesText => _textModel is not null;

    public BatchingStatistics Statistics
    {
        get
        {
            lock (_statsLock)
            {
                return _statistics;
            }
        }
    }

    public Task<GenerationResult> GenerateAsync(GenerationRequest request) => Enqueue<GenerationResult>(new ChatItem(request));

    public Task<GenerationResult> CompleteAsync(TextCompletionRequest request) => Enqueue<GenerationResult>(new TextItem(request));

    public Task<IReadOnlyList<ScoredToken>> ScoreAsync(string text) => Enqueue<IReadOnlyList<ScoredToken>>(new ScoreItem(text));

    private Task<T> Enqueue<T>(WorkItem item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            throw new InvalidOperationException("The server is shutting down.");
        }

        return ((Task<T>)item.Task);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<WorkItem>(_maxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Drain(reader, batch);
            if (batch.Count < _maxBatch && _window > TimeSpan.Zero)
            {
                // Requests sent together rarely arrive in the same microsecond: give them a moment to join.
                await Task.Delay(_window).ConfigureAwait(false);
                Drain(reader, batch);
            }

            await RunBatchAsync(batch).ConfigureAwait(false);
            batch.Clear();
        }
    }

    private void Drain(ChannelReader<WorkItem> reader, List<WorkItem> batch)
    {
        while (batch.Count < _maxBatch && reader.TryRead(out var item))
        {
            batch.Add(item);
        }
    }

    private async Task RunBatchAsync(List<WorkItem> batch)
    {
        lock (_statsLock)
        {
            _statistics = new BatchingStatistics(_statistics.Batches + 1, _statistics.Requests + batch.Count, Math.Max(_statistics.LargestBatch, batch.Count));
        }

        await RunAsync(batch.OfType<ChatItem>().ToList(), items => _model.GenerateAsync(items.Select(i => i.Request).ToList())).ConfigureAwait(false);
        await RunAsync(batch.OfType<TextItem>().ToList(), items => _textModel!.CompleteTextsAsync(items.Select(i => i.Request).ToList())).ConfigureAwait(false);
        await RunAsync(batch.OfType<ScoreItem>().ToList(), items => _textModel!.ScoreTextsAsync(items.Select(i => i.Text).ToList())).ConfigureAwait(false);
    }

    private static async Task RunAsync<TItem, TResult>(List<TItem> items, Func<List<TItem>, ValueTask<IReadOnlyList<TResult>>> call)
        where TItem : WorkItem<TResult>
    {
        if (items.Count == 0)
        {
            return;
        }

        try
        {
            var results = await call(items).ConfigureAwait(false);
            for (var i = 0; i < items.Count; i++)
            {
                items[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception ex)
        {
            foreach (var item in items)
            {
                item.Completion.TrySetException(ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private abstract record WorkItem
    {
        public abstract Task Task { get; }
    }

    private abstract record WorkItem<T> : WorkItem
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task Task => Completion.Task;
    }

    private sealed record ChatItem(GenerationRequest Request) : WorkItem<GenerationResult>;

    private sealed record TextItem(TextCompletionRequest Request) : WorkItem<GenerationResult>;

    private sealed record ScoreItem(string Text) : WorkItem<IReadOnlyList<ScoredToken>>;
}

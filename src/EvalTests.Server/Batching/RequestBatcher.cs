using System.Threading.Channels;
using EvalTests.Models;

namespace EvalTests.Server.Batching;

/// <summary>What the batcher has run so far: how many model calls and how many requests they carried.</summary>
/// <param name="Batches">Model calls.</param>
/// <param name="Requests">Requests answered.</param>
/// <param name="LargestBatch">The most requests in one call.</param>
public sealed record BatchingStatistics(long Batches, long Requests, int LargestBatch);

/// <summary>The queue is full: the client should come back later (HTTP 503 with Retry-After).</summary>
internal sealed class QueueFullException(int capacity) : Exception($"The server's queue of {capacity} requests is full.");

/// <summary>
/// Dynamic batching: requests from concurrent HTTP calls queue here, and one loop hands the model everything that has
/// arrived (up to a batch size) in one call. While the model works on a batch, the next one fills up. The queue is
/// bounded (a request that does not fit is refused whole, never queued in part); a request whose client went away is
/// dropped from the queue, and a batch whose clients all went away is cancelled; when a batch fails, its requests are
/// asked again one by one so that only the failing one fails.
/// </summary>
internal sealed class RequestBatcher : IAsyncDisposable
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILanguageModel _model;
    private readonly ITextCompletionModel? _textModel;
    private readonly int _maxBatch;
    private readonly int _capacity;
    private readonly TimeSpan _window;
    private readonly Task _loop;
    private readonly Lock _statsLock = new();
    private BatchingStatistics _statistics = new(0, 0, 0);
    private int _queued;

    public RequestBatcher(ILanguageModel model, int maxBatch, TimeSpan window, int capacity = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
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

    /// <summary>The most requests that may wait at once.</summary>
    public int Capacity => _capacity;

    /// <summary>The requests waiting now (not yet handed to the model).</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Queues the choices of one chat request at once, or none of them when they do not all fit.</summary>
    /// <exception cref="QueueFullException">The queue has no room for all of them now.</exception>
    public IReadOnlyList<Task<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default) =>
        Enqueue<GenerationResult>([.. requests.Select(r => new ChatItem(r) { Cancellation = cancellationToken })]);

    /// <summary>Queues every prompt of one request at once, or none of them when they do not all fit.</summary>
    /// <exception cref="QueueFullException">The queue has no room for all of them now.</exception>
    public IReadOnlyList<Task<GenerationResult>> CompleteAsync(IReadOnlyList<TextCompletionRequest> requests, CancellationToken cancellationToken = default) =>
        Enqueue<GenerationResult>([.. requests.Select(r => new TextItem(r) { Cancellation = cancellationToken })]);

    /// <summary>Every token of a text with its log-probability, and the <paramref name="top"/> likeliest tokens at each position.</summary>
    public Task<IReadOnlyList<ScoredToken>> ScoreAsync(string text, int top, CancellationToken cancellationToken = default) =>
        Enqueue<IReadOnlyList<ScoredToken>>([new ScoreItem(text, top) { Cancellation = cancellationToken }])[0];

    private Task<T>[] Enqueue<T>(WorkItem[] items)
    {
        // Reserve room for the whole request first, so that it is queued entirely or not at all.
        while (true)
        {
            var queued = Volatile.Read(ref _queued);
            if (queued + items.Length > _capacity)
            {
                throw new QueueFullException(_capacity);
            }

            if (Interlocked.CompareExchange(ref _queued, queued + items.Length, queued) == queued)
            {
                break;
            }
        }

        foreach (var item in items)
        {
            if (!_queue.Writer.TryWrite(item))
            {
                throw new InvalidOperationException("The server is shutting down.");
            }
        }

        return [.. items.Select(i => (Task<T>)i.Task)];
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
            Interlocked.Decrement(ref _queued);
            // A client that went away while waiting is not asked for.
            if (item.Cancellation.IsCancellationRequested)
            {
                item.Cancel();
                continue;
            }

            batch.Add(item);
        }
    }

    private async Task RunBatchAsync(List<WorkItem> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        lock (_statsLock)
        {
            _statistics = new BatchingStatistics(_statistics.Batches + 1, _statistics.Requests + batch.Count, Math.Max(_statistics.LargestBatch, batch.Count));
        }

        await RunAsync(batch.OfType<ChatItem>().ToList(), (items, ct) => _model.GenerateAsync(items.Select(i => i.Request).ToList(), ct)).ConfigureAwait(false);
        await RunAsync(batch.OfType<TextItem>().ToList(), (items, ct) => _textModel!.CompleteTextsAsync(items.Select(i => i.Request).ToList(), ct)).ConfigureAwait(false);
        foreach (var scoring in batch.OfType<ScoreItem>().GroupBy(i => i.Top))
        {
            await RunAsync(scoring.ToList(), (items, ct) => _textModel!.ScoreTextsAsync(items.Select(i => i.Text).ToList(), scoring.Key, ct)).ConfigureAwait(false);
        }
    }

    private static async Task RunAsync<TItem, TResult>(List<TItem> items, Func<List<TItem>, CancellationToken, ValueTask<IReadOnlyList<TResult>>> call)
        where TItem : WorkItem<TResult>
    {
        if (items.Count == 0)
        {
            return;
        }

        // The model call is cancelled when every client of the batch has gone away, and only then.
        using var everyoneLeft = new CancellationTokenSource();
        var waiting = items.Count;
        var registrations = items.Select(i => i.Cancellation.Register(() =>
        {
            if (Interlocked.Decrement(ref waiting) == 0)
            {
                everyoneLeft.Cancel();
            }
        })).ToList();
        try
        {
            var results = await call(items, everyoneLeft.Token).ConfigureAwait(false);
            for (var i = 0; i < items.Count; i++)
            {
                items[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (OperationCanceledException) when (everyoneLeft.IsCancellationRequested)
        {
            items.ForEach(i => i.Cancel());
        }
        catch (Exception) when (items.Count > 1)
        {
            // One bad request must not fail the others it happened to share a batch with: ask each on its own.
            foreach (var item in items)
            {
                await RunAsync([item], call).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            items[0].Completion.TrySetException(ex);
        }
        finally
        {
            registrations.ForEach(r => r.Dispose());
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

        /// <summary>The client's request-aborted token.</summary>
        public CancellationToken Cancellation { get; init; }

        public abstract void Cancel();
    }

    private abstract record WorkItem<T> : WorkItem
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task Task => Completion.Task;

        public override void Cancel() => Completion.TrySetCanceled(Cancellation);
    }

    private sealed record ChatItem(GenerationRequest Request) : WorkItem<GenerationResult>;

    private sealed record TextItem(TextCompletionRequest Request) : WorkItem<GenerationResult>;

    private sealed record ScoreItem(string Text, int Top) : WorkItem<IReadOnlyList<ScoredToken>>;
}

namespace EvalTests.Scoring;

/// <summary>How one sample ended. Unparsed and errored samples count against accuracy and are always reported.</summary>
public enum SampleOutcome
{
    /// <summary>The extracted answer equals the gold answer.</summary>
    Correct,

    /// <summary>An answer was extracted and differs from the gold answer.</summary>
    Wrong,

    /// <summary>No answer could be extracted from the model's text.</summary>
    Unparsed,

    /// <summary>The model call failed; the error is recorded with the sample.</summary>
    Errored,

    /// <summary>A judge rated the answer (or called a comparison a tie): the metric comes from the ratings, see <see cref="SubsetScore.Value"/>.</summary>
    Scored,
}

/// <summary>The score of one subset: accuracy ×100 as OpenCompass reports it, its standard error and the outcome counts.</summary>
/// <param name="Correct">Samples answered correctly.</param>
/// <param name="Wrong">Samples answered wrongly.</param>
/// <param name="Unparsed">Samples whose answer could not be extracted.</param>
/// <param name="Errored">Samples the model failed on.</param>
public sealed record SubsetScore(int Correct, int Wrong, int Unparsed, int Errored)
{
    /// <summary>Samples a judge rated, or comparisons it called a tie.</summary>
    public int Scored { get; init; }

    /// <summary>All samples.</summary>
    public int Total => Correct + Wrong + Unparsed + Errored + Scored;

    /// <summary>The metric a judge computed instead of accuracy (a mean rating, a win rate); null for accuracy.</summary>
    public double? JudgedValue { get; init; }

    /// <summary>The standard error of <see cref="JudgedValue"/>, when it has one.</summary>
    public double? JudgedStandardError { get; init; }

    /// <summary>The dataset's metric: the judged value, or else <see cref="Accuracy"/>.</summary>
    public double Value => JudgedValue ?? Accuracy;

    /// <summary>The standard error of <see cref="Value"/> (NaN when a judged value has none).</summary>
    public double ValueStandardError => JudgedValue is null ? StandardError : JudgedStandardError ?? double.NaN;

    /// <summary>Accuracy in percent: correct ÷ total × 100 (unparsed and errored count as not correct, as in OpenCompass).</summary>
    public double Accuracy => Total == 0 ? double.NaN : 100.0 * Correct / Total;

    /// <summary>The binomial standard error of <see cref="Accuracy"/>, in percentage points.</summary>
    public double StandardError => Total == 0 ? double.NaN : 100.0 * Math.Sqrt(Correct / (double)Total * (1 - Correct / (double)Total) / Total);

    /// <summary>Tallies outcomes.</summary>
    public static SubsetScore From(IEnumerable<SampleOutcome> outcomes)
    {
        int correct = 0, wrong = 0, unparsed = 0, errored = 0, scored = 0;
        foreach (var outcome in outcomes)
        {
            switch (outcome)
            {
                case SampleOutcome.Correct: correct++; break;
                case SampleOutcome.Wrong: wrong++; break;
                case SampleOutcome.Unparsed: unparsed++; break;
                case SampleOutcome.Scored: scored++; break;
                default: errored++; break;
            }
        }

        return new SubsetScore(correct, wrong, unparsed, errored) { Scored = scored };
    }
}

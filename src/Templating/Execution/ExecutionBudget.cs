using System.Diagnostics;
using System.Globalization;

namespace Promoter.Templating;

/// <summary>
/// What one template execution may use. A template is code a request can send (the preview API) or an operator
/// can get wrong (a loop over <c>until 100000</c> inside another): without bounds one execution could take
/// gigabytes or a core for minutes. Every execution has limits; <see cref="Default"/> is far above what an alert
/// message needs (DingTalk takes 20,000 bytes, Slack 40,000 characters) and far below what hurts the process.
/// </summary>
public sealed record ExecutionLimits
{
    /// <summary>1 Mi characters of output (2 MiB of memory), and no single value larger than that.</summary>
    public int MaxOutputChars { get; init; } = 1 << 20;

    /// <summary>Nodes walked, loop iterations and function calls together; a big group (1,000 alerts × 20 labels)
    /// takes about 100,000.</summary>
    public long MaxSteps { get; init; } = 5_000_000;

    /// <summary>Wall time of one execution.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public static ExecutionLimits Default { get; } = new();
}

/// <summary>An execution went over one of its <see cref="ExecutionLimits"/>, or its caller gave up.</summary>
public sealed class TemplateLimitException : TemplateException
{
    public TemplateLimitException()
    {
    }

    public TemplateLimitException(string message)
        : base(message)
    {
    }

    public TemplateLimitException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The running count of one execution against its limits. Functions that could build a huge value in one call
/// (repeat, until, printf widths) ask <see cref="Current"/> before allocating: executions are synchronous, so the
/// budget of the execution running on this thread is the one that applies.
/// </summary>
internal sealed class ExecutionBudget
{
    // The clock and the token are looked at every 1,024 steps: often enough to stop within milliseconds,
    // rarely enough to cost nothing measurable.
    private const int CheckEvery = 1024;

    [ThreadStatic]
    private static ExecutionBudget? _current;

    private readonly ExecutionLimits _limits;
    private readonly CancellationToken _cancellation;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _steps;

    public ExecutionBudget(ExecutionLimits limits, CancellationToken cancellation)
    {
        _limits = limits;
        _cancellation = cancellation;
    }

    /// <summary>The budget of the execution on this thread; null outside one (functions called directly).</summary>
    public static ExecutionBudget? Current => _current;

    public int MaxOutputChars => _limits.MaxOutputChars;

    /// <summary>Makes this the budget of the thread until the returned scope is disposed (executions may nest).</summary>
    public Scope Enter()
    {
        var previous = _current;
        _current = this;
        return new Scope(previous);
    }

    public void Step()
    {
        var steps = ++_steps;
        if (steps > _limits.MaxSteps)
        {
            throw new TemplateLimitException(
                $"template execution stopped after {_limits.MaxSteps.ToString(CultureInfo.InvariantCulture)} steps (loops, actions and function calls); a template for an alert message needs far fewer: look for a loop over a large range");
        }

        if (steps % CheckEvery == 0)
        {
            CheckTime();
        }
    }

    public void CheckTime()
    {
        if (_cancellation.IsCancellationRequested)
        {
            throw new TemplateLimitException("template execution cancelled: the caller went away");
        }

        if (Stopwatch.GetElapsedTime(_started) > _limits.Timeout)
        {
            throw new TemplateLimitException(
                $"template execution stopped after {_limits.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s; a template for an alert message takes milliseconds: look for a loop over a large range");
        }
    }

    public void CheckOutput(int length)
    {
        if (length > _limits.MaxOutputChars)
        {
            throw new TemplateLimitException(OutputTooLarge("the output"));
        }
    }

    /// <summary>Throws when a value of <paramref name="length"/> characters is about to be built.</summary>
    public static void CheckValue(long length, string what)
    {
        var max = _current?.MaxOutputChars ?? ExecutionLimits.Default.MaxOutputChars;
        if (length > max)
        {
            throw new TemplateLimitException(OutputTooLarge(what));
        }
    }

    private static string OutputTooLarge(string what)
    {
        var max = _current?.MaxOutputChars ?? ExecutionLimits.Default.MaxOutputChars;
        return $"{what} would be larger than {max.ToString(CultureInfo.InvariantCulture)} characters, the limit of one template execution; an alert message is far smaller: look for repeat, a width in printf or a loop that grows a value";
    }

    public readonly struct Scope(ExecutionBudget? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
